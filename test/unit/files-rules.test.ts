import { expect } from 'chai'
import {
  ACCEPTED,
  acceptedKind,
  contentDisposition,
  displayName,
  imageDimensions,
  pixelsRefusal,
  quotaRefusal,
  servedMime,
  sizeRefusal,
  typeRefusal,
} from '../../server/files/rules.js'
import { JPEG_4x3, WEBP_4x3, png } from '../support/images.js'

const JPEG = ACCEPTED.point_photo[0]!
const PDF = ACCEPTED.statutory[0]!

describe('files rules', () => {
  describe('accepted kinds', () => {
    it('accepts JPEG, PNG and WebP photos but no PDF', () => {
      expect(ACCEPTED.point_photo.map((k) => k.mime)).to.deep.equal(['image/jpeg', 'image/png', 'image/webp'])
      expect(acceptedKind('point_photo', 'application/pdf')).to.equal(undefined)
    })

    it('accepts PDF, JPEG and PNG statutory documents but no WebP, SVG or unknown content', () => {
      expect(acceptedKind('statutory', 'application/pdf')?.ext).to.equal('pdf')
      expect(acceptedKind('supplier_statutory', 'image/png')?.ext).to.equal('png')
      expect(acceptedKind('statutory', 'image/webp')).to.equal(undefined)
      expect(acceptedKind('statutory', 'image/svg+xml')).to.equal(undefined)
      expect(acceptedKind('statutory', undefined)).to.equal(undefined)
    })

    it('names the accepted formats in the Russian refusal', () => {
      expect(typeRefusal('point_photo')).to.contain('JPG, PNG или WebP')
      expect(typeRefusal('statutory')).to.contain('PDF, JPG или PNG')
    })
  })

  describe('size and quota', () => {
    it('refuses empty and oversized files', () => {
      expect(sizeRefusal(0, 1000)).to.equal('Файл пустой. Выберите другой файл.')
      expect(sizeRefusal(10 * 1024 * 1024 + 1, 10 * 1024 * 1024)).to.equal('Файл больше 10 МБ. Уменьшите его или загрузите другой.')
      expect(sizeRefusal(1000, 1000)).to.equal(null)
    })

    it('refuses a file that would take the company over its quota and says how much is left', () => {
      const mb = 1024 * 1024
      expect(quotaRefusal(199 * mb, mb, 200 * mb)).to.equal(null)
      expect(quotaRefusal(199 * mb, mb + 1, 200 * mb)).to.equal(
        'Превышен объём хранилища компании (200 МБ): свободно 1 МБ. Удалите ненужные файлы или загрузите файл меньше.',
      )
    })
  })

  describe('display names', () => {
    it('keeps a Cyrillic name and an extension that matches the content', () => {
      expect(displayName('Устав ООО «Ромашка».PDF', PDF)).to.equal('Устав ООО «Ромашка».pdf')
      expect(displayName('фото входа.jpeg', JPEG)).to.equal('фото входа.jpeg')
    })

    it('replaces an extension that lies about the content', () => {
      expect(displayName('invoice.exe', PDF)).to.equal('invoice.pdf')
      expect(displayName('photo.html', JPEG)).to.equal('photo.jpg')
      expect(displayName('README', PDF)).to.equal('README.pdf')
    })

    it('drops folders, control and bidi characters, and leading dots', () => {
      expect(displayName('C:\\Users\\ivan\\..\\scan.pdf', PDF)).to.equal('scan.pdf')
      expect(displayName('../../etc/passwd', PDF)).to.equal('passwd.pdf')
      expect(displayName('a\r\nb\u0000c.pdf', PDF)).to.equal('abc.pdf')
      expect(displayName('cod\u202Egpj.exe', PDF)).to.equal('codgpj.pdf')
      expect(displayName('...hidden.pdf', PDF)).to.equal('hidden.pdf')
      expect(displayName('"><img src=x>.pdf', PDF)).to.equal('img src=x.pdf')
    })

    it('gives a nameless file a Russian name and cuts long names', () => {
      expect(displayName('', PDF)).to.equal('файл.pdf')
      expect(displayName('   ', PDF)).to.equal('файл.pdf')
      expect(Array.from(displayName(`${'я'.repeat(300)}.pdf`, PDF))).to.have.length(114)
    })
  })

  describe('Content-Disposition', () => {
    it('sends an ASCII fallback and the exact UTF-8 name (RFC 5987)', () => {
      expect(contentDisposition('attachment', 'Устав (2024).pdf')).to.equal(
        `attachment; filename="_____ (2024).pdf"; filename*=UTF-8''%D0%A3%D1%81%D1%82%D0%B0%D0%B2%20%282024%29.pdf`,
      )
    })

    it('cannot be broken out of by quotes, semicolons or line breaks', () => {
      const header = contentDisposition('inline', 'a";\r\nSet-Cookie: x=1.png')
      expect(header).to.not.match(/[\r\n]/)
      expect(header.startsWith('inline; filename="a__')).to.equal(true)
      expect(header).to.contain("filename*=UTF-8''a%22%3B%0D%0ASet-Cookie%3A%20x%3D1.png")
    })
  })

  describe('image dimensions', () => {
    it('reads the size from PNG, JPEG and WebP headers', () => {
      expect(imageDimensions(png(5, 7), 'image/png')).to.deep.equal({ width: 5, height: 7 })
      expect(imageDimensions(JPEG_4x3, 'image/jpeg')).to.deep.equal({ width: 4, height: 3 })
      expect(imageDimensions(WEBP_4x3, 'image/webp')).to.deep.equal({ width: 4, height: 3 })
    })

    it('returns null for a truncated header', () => {
      expect(imageDimensions(JPEG_4x3.subarray(0, 40), 'image/jpeg')).to.equal(null)
      expect(imageDimensions(png().subarray(0, 20), 'image/png')).to.equal(null)
    })

    it('refuses pictures that declare more than 50 megapixels and unreadable ones, but not PDFs', () => {
      const bomb = png(1, 1, { declared: { width: 30000, height: 30000 } })
      expect(pixelsRefusal(imageDimensions(bomb, 'image/png'), 'image/png')).to.contain('50 мегапикселей')
      expect(pixelsRefusal(null, 'image/jpeg')).to.contain('повреждено')
      expect(pixelsRefusal({ width: 4000, height: 3000 }, 'image/jpeg')).to.equal(null)
      expect(pixelsRefusal(null, 'application/pdf')).to.equal(null)
    })
  })
})

describe('files rules: served type', () => {
  it('serves only the accepted types as themselves and anything else as neutral binary', () => {
    expect(servedMime('image/png')).to.equal('image/png')
    expect(servedMime('application/pdf')).to.equal('application/pdf')
    expect(servedMime('text/html')).to.equal('application/octet-stream')
    expect(servedMime('image/svg+xml')).to.equal('application/octet-stream')
  })
})
