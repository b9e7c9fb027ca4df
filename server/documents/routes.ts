import { Router, type NextFunction, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import type { UploadGuard } from '../http/uploads.js'
import { flash, requireCompany, requireStaff } from '../http/auth.js'
import { field } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Forbidden, Validation } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import { acceptAttribute, kindsText, sizeText } from '../files/rules.js'
import { TITLE_MAX, supplierDocumentsBlockedReason } from './rules.js'
import { docTypeOptions, presentDocument, sortByKind } from './present.js'
import type { DocumentFile } from './service.js'
import type { DocumentInput } from './types.js'

function documentInput(req: Request): DocumentInput {
  return { doc_type: field(req, 'doc_type', 32), title: field(req, 'title', TITLE_MAX * 2) }
}

function documentFile(req: Request): DocumentFile {
  return { upload: req.file, error: req.uploadError }
}

/** Stops people who may only look before multer reads a multi-megabyte body on their behalf. */
function requireManage(req: Request, _res: Response, next: NextFunction) {
  if (!can(memberOf(req).role, 'documents.manage')) return next(new Forbidden('Документы загружают и удаляют владелец компании и бухгалтер'))
  next()
}

/**
 * The company's statutory documents under /company/documents (list, upload, download, delete) and the supplier's
 * documents for verified companies under /supplier-documents.
 */
export function documentsRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  const { documents, files, config, upload } = deps
  const r = Router()

  const page = async (req: Request, extra: { form?: Partial<DocumentInput>; errors?: Record<string, string>; reselectFile?: boolean } = {}) => {
    const member = memberOf(req)
    const [own, supplier, usage] = await Promise.all([
      documents.listCompanyDocuments(member.id),
      documents.listSupplierDocuments(),
      files.usage(member.id),
    ])
    const form = extra.form ?? { doc_type: '', title: '' }
    return {
      title: 'Документы',
      canManage: can(member.role, 'documents.manage'),
      documents: own.map((d) => presentDocument(d, `/company/documents/${d.id}/download`)),
      supplierDocuments: sortByKind(supplier).map((d) => presentDocument(d, `/supplier-documents/${d.id}/download`)),
      supplierBlocked: supplierDocumentsBlockedReason(member.status),
      supplierName: config.supplierName,
      form,
      errors: extra.errors ?? {},
      // A file input cannot be refilled by the server: when only the other fields failed, the person picks the file again.
      reselectFile: !!extra.reselectFile,
      docTypes: docTypeOptions(form.doc_type ?? ''),
      accept: acceptAttribute('statutory'),
      fileHint: `${kindsText('statutory')}, до ${sizeText(usage.maxBytes)}`,
      usage: { used: sizeText(usage.used), quota: sizeText(usage.quota), percent: Math.min(100, Math.round((usage.used / usage.quota) * 100)) },
    }
  }

  r.get('/company/documents', requireCompany, async (req, res) => {
    res.render('pages/documents/list', await page(req))
  })

  r.post('/company/documents', requireCompany, requireManage, ...upload('file'), async (req, res) => {
    const input = documentInput(req)
    try {
      await documents.upload(memberOf(req), userOf(req).id, input, documentFile(req))
      flash(req, 'ok', 'Документ загружен')
      res.redirect(303, '/company/documents')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/documents/list', await page(req, { form: input, errors: e.fields, reselectFile: !!req.file && !e.fields.file }))
    }
  })

  r.get('/company/documents/:id/download', requireCompany, async (req, res) => {
    const { file } = await documents.companyDownload(memberOf(req).id, idParam(req))
    await files.send(req, res, file, 'attachment')
  })

  r.post('/company/documents/:id/delete', requireCompany, requireManage, async (req, res) => {
    const doc = await documents.remove(memberOf(req), userOf(req).id, idParam(req))
    flash(req, 'ok', `Документ «${doc.title || doc.original_name}» удалён`)
    res.redirect(303, '/company/documents')
  })

  r.get('/supplier-documents/:id/download', requireCompany, async (req, res) => {
    const { file } = await documents.supplierDownload(memberOf(req), idParam(req))
    await files.send(req, res, file, 'attachment')
  })

  return r
}

/**
 * Staff pages under /admin: the supplier's own statutory documents (list, upload, delete) and downloading any company's
 * document from the admin company page. Each route checks `requireStaff` itself, so this router never affects other
 * /admin routes.
 */
export function documentsAdminRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  const { documents, files, config, upload } = deps
  const r = Router()

  const page = async (extra: { form?: Partial<DocumentInput>; errors?: Record<string, string> } = {}) => {
    const form = extra.form ?? { doc_type: '', title: '' }
    return {
      title: 'Документы поставщика',
      bodyClass: 'admin-page',
      adminSection: 'supplier-documents',
      documents: sortByKind(await documents.listSupplierDocuments()).map((d) => presentDocument(d, `/admin/supplier-documents/${d.id}/download`)),
      supplierName: config.supplierName,
      form,
      errors: extra.errors ?? {},
      docTypes: docTypeOptions(form.doc_type ?? ''),
      accept: acceptAttribute('supplier_statutory'),
      fileHint: `${kindsText('supplier_statutory')}, до ${sizeText(config.uploads.maxBytes)}`,
    }
  }

  r.get('/supplier-documents', requireStaff, async (_req, res) => {
    res.render('pages/documents/admin', await page())
  })

  r.post('/supplier-documents', requireStaff, ...upload('file'), async (req, res) => {
    const input = documentInput(req)
    try {
      await documents.uploadSupplier(userOf(req).id, input, documentFile(req))
      flash(req, 'ok', 'Документ поставщика загружен: его видят подтверждённые покупатели')
      res.redirect(303, '/admin/supplier-documents')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/documents/admin', await page({ form: input, errors: e.fields }))
    }
  })

  r.get('/supplier-documents/:id/download', requireStaff, async (req, res) => {
    const { file } = await documents.supplierFileForStaff(idParam(req))
    await files.send(req, res, file, 'attachment')
  })

  r.post('/supplier-documents/:id/delete', requireStaff, async (req, res) => {
    const doc = await documents.removeSupplier(userOf(req).id, idParam(req))
    flash(req, 'ok', `Документ «${doc.title || doc.original_name}» удалён`)
    res.redirect(303, '/admin/supplier-documents')
  })

  r.get('/companies/:companyId/documents/:id/download', requireStaff, async (req, res) => {
    const { file } = await documents.companyDownload(idParam(req, 'companyId'), idParam(req))
    await files.send(req, res, file, 'attachment')
  })

  return r
}
