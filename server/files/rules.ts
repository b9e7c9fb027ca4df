/**
 * Pure rules about uploaded files: which kinds each purpose accepts, the Russian refusals, safe display names, the
 * Content-Disposition header and the pixel count of images. No IO here; the service detects the type and touches the disk.
 */

/** Why a file is stored; it decides the accepted kinds and the owner (a company or the supplier itself). */
export type FilePurpose = 'point_photo' | 'statutory' | 'supplier_statutory' | 'product_image'

export interface FileKind {
  mime: string
  /** The extension a download gets, whatever the person called the file. */
  ext: string
  /** Extensions that already name this kind correctly and are kept as typed. */
  aliases: string[]
  label: string
}

const JPEG: FileKind = { mime: 'image/jpeg', ext: 'jpg', aliases: ['jpg', 'jpeg', 'jpe', 'jfif'], label: 'JPG' }
const PNG: FileKind = { mime: 'image/png', ext: 'png', aliases: ['png'], label: 'PNG' }
const WEBP: FileKind = { mime: 'image/webp', ext: 'webp', aliases: ['webp'], label: 'WebP' }
const PDF: FileKind = { mime: 'application/pdf', ext: 'pdf', aliases: ['pdf'], label: 'PDF' }

/** The kinds each purpose accepts, checked against the detected content, never the name or the browser's MIME. */
export const ACCEPTED: Record<FilePurpose, FileKind[]> = {
  point_photo: [JPEG, PNG, WEBP],
  statutory: [PDF, JPEG, PNG],
  supplier_statutory: [PDF, JPEG, PNG],
  product_image: [JPEG, PNG, WEBP],
}

/**
 * The Content-Type a stored file is sent with: its detected type when that is one the portal accepts, else a neutral
 * binary type, so not even a tampered or legacy row can make a browser treat a file as HTML or script.
 */
export function servedMime(storedMime: string): string {
  return Object.values(ACCEPTED).some((kinds) => kinds.some((k) => k.mime === storedMime)) ? storedMime : 'application/octet-stream'
}

/** Images are shown inline (thumbnails); everything else is only ever downloaded. */
export const INLINE_MIMES = new Set(['image/jpeg', 'image/png', 'image/webp'])

/**
 * The largest picture accepted, in pixels. A few kilobytes of PNG can declare a 50 000 × 50 000 canvas that every browser
 * showing the thumbnail would have to decode (the image variant of a zip bomb, ASVS 12.1.2).
 */
export const MAX_PIXELS = 50_000_000

/** The `accept` attribute for a purpose's file input (a hint for the browser's picker, not a check). */
export function acceptAttribute(purpose: FilePurpose): string {
  return ACCEPTED[purpose].flatMap((k) => [k.mime, ...k.aliases.map((a) => `.${a}`)]).join(',')
}

/** "JPG, PNG или WebP" for messages. */
export function kindsText(purpose: FilePurpose): string {
  const labels = ACCEPTED[purpose].map((k) => k.label)
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} или ${labels.at(-1)}` : labels[0] ?? ''
}

/** The accepted kind with this detected MIME type, if the purpose accepts it. */
export function acceptedKind(purpose: FilePurpose, detectedMime: string | undefined): FileKind | undefined {
  return detectedMime ? ACCEPTED[purpose].find((k) => k.mime === detectedMime) : undefined
}

/** Formats a byte count in whole megabytes or kilobytes for refusals ("10 МБ", "512 КБ"). */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1)).toString().replace('.', ',')} МБ`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} КБ`
  return `${bytes} Б`
}

/**
 * The refusal for a file before its content is looked at (empty, too big), or null. Multer already stops bigger bodies;
 * this repeats the cap so the service is safe whoever calls it.
 */
export function sizeRefusal(size: number, maxBytes: number): string | null {
  if (size <= 0) return 'Файл пустой. Выберите другой файл.'
  if (size > maxBytes) return `Файл больше ${sizeText(maxBytes)}. Уменьшите его или загрузите другой.`
  return null
}

/** The refusal when the content is not one of the purpose's kinds. */
export function typeRefusal(purpose: FilePurpose): string {
  return purpose === 'point_photo'
    ? `Это не фотография в формате ${kindsText(purpose)}. Загрузите снимок в одном из этих форматов.`
    : `Файл должен быть в формате ${kindsText(purpose)}: загрузите скан или выписку в одном из этих форматов.`
}

/** The refusal when a company's files would exceed its quota, or null. */
export function quotaRefusal(usedBytes: number, size: number, quotaBytes: number): string | null {
  if (usedBytes + size <= quotaBytes) return null
  const left = Math.max(0, quotaBytes - usedBytes)
  return `Превышен объём хранилища компании (${sizeText(quotaBytes)}): свободно ${sizeText(left)}. Удалите ненужные файлы или загрузите файл меньше.`
}

/** The refusal for an image whose declared size would be too heavy to show, or null. */
export function pixelsRefusal(dimensions: { width: number; height: number } | null, mime: string): string | null {
  if (!INLINE_MIMES.has(mime)) return null
  if (!dimensions || dimensions.width <= 0 || dimensions.height <= 0) return 'Изображение повреждено: не удалось прочитать его размер.'
  if (dimensions.width * dimensions.height > MAX_PIXELS) return 'Изображение слишком большое по размеру в пикселях: уменьшите его до 50 мегапикселей.'
  return null
}

// Control characters, bidirectional overrides and characters that are special in file systems or HTTP headers.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:"/\\|?*]/g

/**
 * The person's file name made safe to show and to put into Content-Disposition: no folders, no control or bidi characters,
 * at most 120 characters, and an extension that matches the detected kind (so "scan.exe" holding a PDF downloads as
 * "scan.pdf"). It is never used on disk.
 */
export function displayName(original: string, kind: Pick<FileKind, 'ext' | 'aliases'>): string {
  const base = original.split(/[\\/]/).pop() ?? ''
  let name = base.normalize('NFC').replace(UNSAFE_CHARS, '').replace(/\s+/g, ' ').trim().replace(/^\.+/, '')
  const dot = name.lastIndexOf('.')
  let stem = dot > 0 ? name.slice(0, dot) : name
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
  stem = stem.trim() || 'файл'
  const finalExt = kind.aliases.includes(ext) ? ext : kind.ext
  name = `${Array.from(stem).slice(0, 110).join('').trim()}.${finalExt}`
  return name
}

/** RFC 5987 percent-encoding of a header parameter value (`filename*=UTF-8''…`). */
export function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * The Content-Disposition header: a plain ASCII `filename` for old clients and the exact UTF-8 name in `filename*`
 * (RFC 6266 / RFC 5987), so Cyrillic names survive and quotes or line breaks can never end the header early.
 */
export function contentDisposition(type: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_') || 'file'
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(name)}`
}

/**
 * The width and height an image declares in its header (PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X), or null when the
 * header cannot be read. Only the header is parsed; nothing is decoded.
 */
export function imageDimensions(buf: Uint8Array, mime: string): { width: number; height: number } | null {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  try {
    if (mime === 'image/png') {
      if (b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') return null
      return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
    }
    if (mime === 'image/jpeg') return jpegDimensions(b)
    if (mime === 'image/webp') return webpDimensions(b)
  } catch {
    return null
  }
  return null
}

function jpegDimensions(b: Buffer): { width: number; height: number } | null {
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null
    const marker = b[i + 1]!
    // Fill bytes and markers without a length (RSTn, TEM) are skipped one byte at a time.
    if (marker === 0xff) {
      i += 1
      continue
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2
      continue
    }
    const length = b.readUInt16BE(i + 2)
    // SOF0…SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) }
    }
    if (length < 2) return null
    i += 2 + length
  }
  return null
}

function webpDimensions(b: Buffer): { width: number; height: number } | null {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return null
  const chunk = b.toString('latin1', 12, 16)
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff }
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21)
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 }
  return null
}
