import type { Request, Response, Router } from 'express';
import type { AppContext } from '../../../context.ts';
import { wantsJson } from '../../../http/error-handler.ts';
import { AppError } from '../../../http/errors.ts';
import { translator, type Translate } from '../../../http/i18n/index.ts';
import { DEFAULT_ZIP_LIMITS, ZIP_REFUSALS, ZipLimitError, zipSource } from './import-sources.ts';
import { ImportService, type ImportOutcome } from './import.service.ts';
import type { IntakeResult } from './intake.service.ts';
import { ManifestError } from './manifest.ts';
import { discard, sniff, uploadedFiles, uploadMiddleware } from './upload-storage.ts';

const MAX_FILES = 100;

/**
 * Upload of PDFs (one or many; the progress script sends one request per file) and import of
 * a ZIP. Each file is checked in the request — bytes, size, SHA-256, pdf.js in a worker thread —
 * so the uploader sees why a file was refused at once, and a refused file leaves nothing behind.
 */
export function uploadRoutes(ctx: AppContext, router: Router): void {
  const maxBytes = ctx.config.uploads.maxBytes;
  const maxMb = Math.round(maxBytes / 1024 / 1024);
  const importer = new ImportService(ctx);

  router.get('/new', (_req, res) => {
    res.render('catalogue/upload', { outcomes: null, maxMb, maxFiles: MAX_FILES, problems: [] });
  });

  router.post('/upload', uploadMiddleware(ctx.storage, { field: 'files', maxFiles: MAX_FILES, maxBytes }), async (req, res) => {
    const files = uploadedFiles(req);
    const t = translator(req.lang);
    const outcomes: ImportOutcome[] = [];
    try {
      if (files.length === 0) throw new AppError(400, 'no_files', 'catalogue.upload.noFiles');
      for (const f of files) {
        const r = await ctx.services.intake.intake(
          { tmpPath: f.path, originalName: f.originalname, size: f.size, sha256: f.sha256, head: f.head },
          req.user!.id,
        );
        outcomes.push(toOutcome(r, t, maxMb));
      }
    } finally {
      await discard(files); // intake moved or removed each file; this covers an error half-way
    }
    respond(req, res, outcomes, maxMb);
  });

  router.post('/import-zip', uploadMiddleware(ctx.storage, { field: 'zip', maxFiles: 1, maxBytes }), async (req, res) => {
    const files = uploadedFiles(req);
    try {
      const zip = files[0];
      if (!zip) throw new AppError(400, 'no_files', 'catalogue.upload.noFiles');
      if (sniff(zip.head) !== 'zip') throw new AppError(400, 'not_zip', 'catalogue.import.notZip');
      const source = await zipSource(zip.path, { ...DEFAULT_ZIP_LIMITS, maxEntryBytes: maxBytes }).catch((err: unknown) => {
        if (err instanceof ZipLimitError) throw new AppError(400, err.code, ZIP_REFUSALS[err.code], err.params);
        throw new AppError(400, 'bad_zip', 'catalogue.import.badZip');
      });
      try {
        let manifest;
        try {
          manifest = await importer.prepareManifest(await source.manifestText());
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
          const t = translator(req.lang);
          const problems = err.problems.map((p) => t(p.key, p.params));
          if (wantsJson(req)) return void res.status(400).json({ error: { code: 'bad_manifest', message: problems.join(' '), problems } });
          return void res.status(400).render('catalogue/upload', { outcomes: null, maxMb, maxFiles: MAX_FILES, problems });
        }
        const outcomes = await importer.importSource(source, { manifest, actor: req.user!, lang: req.lang });
        respond(req, res, outcomes, maxMb);
      } finally {
        await source.close();
      }
    } finally {
      await discard(files);
    }
  });
}

function toOutcome(r: IntakeResult, t: Translate, maxMb: number): ImportOutcome {
  if (r.kind === 'rejected') return { name: r.name, kind: 'rejected', reason: t(r.messageKey, { name: r.name, max: maxMb }) };
  return { name: r.name, kind: r.kind, bookId: r.bookId, title: r.title };
}

/** 422 when nothing was accepted, so scripts and the progress bar can tell without reading text. */
function respond(req: Request, res: Response, outcomes: ImportOutcome[], maxMb: number): void {
  const anyAccepted = outcomes.some((o) => o.kind === 'created' || o.kind === 'duplicate');
  res.status(anyAccepted ? 200 : 422);
  if (wantsJson(req)) {
    res.json({ results: outcomes.map((o) => ({ ...o, url: o.bookId ? `/admin/books/${o.bookId}` : null })) });
    return;
  }
  res.render('catalogue/upload', { outcomes, maxMb, maxFiles: MAX_FILES, problems: [] });
}
