import type { Request, Response, Router } from 'express';
import type { AppContext } from '../../../context.ts';
import { wantsJson } from '../../../http/error-handler.ts';
import { AppError, notFound } from '../../../http/errors.ts';
import { translator, type Translate } from '../../../http/i18n/index.ts';
import { parseInput } from '../../../http/validation.ts';
import { idParam } from '../../../http/validation.ts';
import { importErrorText, outcomeView, type OutcomeView } from './import-text.ts';
import type { IntakeResult } from './intake.service.ts';
import { MANIFEST_COLUMNS, ManifestError } from './manifest.ts';
import { discard, sniff, uploadedFiles, uploadMiddleware } from './upload-storage.ts';
import { libPath } from '../../libraries/library-context.ts';

const MAX_FILES = 100;

/**
 * Upload of PDFs (one or many; the progress script sends one request per file) and import of
 * a ZIP. Each file is checked in the request — bytes, size, SHA-256, pdf.js in a worker thread —
 * so the uploader sees why a file was refused at once, and a refused file leaves nothing behind.
 */
export function uploadRoutes(ctx: AppContext, router: Router): void {
  const maxBytes = ctx.config.uploads.maxBytes;
  const maxMb = Math.round(maxBytes / 1024 / 1024);
  const zipImports = ctx.services.zipImports;
  // The ZIP hint lists every column a books.csv may have, the consent columns included.
  const manifestColumns = () => [...MANIFEST_COLUMNS, ...ctx.services.manifestExtensions.flatMap((e) => e.columns)].join(', ');
  const formLocals = () => ({ maxMb, maxFiles: MAX_FILES, manifestColumns: manifestColumns() });

  router.get('/new', (_req, res) => {
    res.render('catalogue/upload', { ...formLocals(), outcomes: null, problems: [] });
  });

  router.post('/upload', uploadMiddleware(ctx.storage, { field: 'files', maxFiles: MAX_FILES, maxBytes }), async (req, res) => {
    const files = uploadedFiles(req);
    const t = translator(req.lang);
    const outcomes: OutcomeView[] = [];
    try {
      if (files.length === 0) throw new AppError(400, 'no_files', 'catalogue.upload.noFiles');
      for (const f of files) {
        const r = await ctx.services.intake.intake(
          { tmpPath: f.path, originalName: f.originalname, size: f.size, sha256: f.sha256, head: f.head },
          { libraryId: req.library.id, actorId: req.user!.id },
        );
        outcomes.push(toOutcome(r, t, maxMb));
      }
    } finally {
      await discard(files); // intake moved or removed each file; this covers an error half-way
    }
    respond(req, res, outcomes, formLocals());
  });

  // The request only checks the ZIP and its manifest (quick); the import itself is a durable
  // job, followed on its own page: POST → 303 → GET, so a refresh never posts the ZIP again.
  router.post('/import-zip', uploadMiddleware(ctx.storage, { field: 'zip', maxFiles: 1, maxBytes }), async (req, res) => {
    const files = uploadedFiles(req);
    try {
      const zip = files[0];
      if (!zip) throw new AppError(400, 'no_files', 'catalogue.upload.noFiles');
      if (sniff(zip.head) !== 'zip') throw new AppError(400, 'not_zip', 'catalogue.import.notZip');
      let id: number;
      try {
        id = await zipImports.start({ path: zip.path, originalName: zip.originalname }, req.library.id, req.user!, req.lang);
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        const t = translator(req.lang);
        const problems = err.problems.map((p) => t(p.key, p.params));
        if (wantsJson(req)) return void res.status(400).json({ error: { code: 'bad_manifest', message: problems.join(' '), problems } });
        return void res.status(400).render('catalogue/upload', { ...formLocals(), outcomes: null, problems });
      }
      const url = `/admin/books/imports/${id}`;
      if (wantsJson(req))
        return void res
          .status(202)
          .location(libPath(res, url))
          .json({ import: { id, url: libPath(res, url) } });
      res.redirect(303, libPath(res, url));
    } finally {
      await discard(files);
    }
  });

  router.get('/imports/:importId', async (req, res) => {
    const id = parseInput(idParam, req.params.importId);
    const row = await zipImports.find(id);
    if (!row) throw notFound();
    const running = row.status === 'queued' || row.status === 'running';
    const t = translator(req.lang);
    const outcomes = row.outcomes.map((o) => outcomeView(o, t));
    const error = importErrorText(row.error, t);
    if (wantsJson(req)) {
      return void res.json({
        import: {
          id: row.id,
          status: row.status,
          name: row.original_name,
          total: row.total,
          done: row.done,
          error,
          results: outcomes.map((o) => ({ ...o, url: o.bookId ? libPath(res, `/admin/books/${o.bookId}`) : null })),
        },
      });
    }
    res.render('catalogue/import-progress', { imp: { ...row, outcomes, error }, running });
  });
}

function toOutcome(r: IntakeResult, t: Translate, maxMb: number): OutcomeView {
  if (r.kind === 'rejected') return { name: r.name, kind: 'rejected', reason: t(r.messageKey, { name: r.name, max: maxMb }) };
  if (r.kind === 'duplicate' && r.elsewhere)
    return { name: r.name, kind: r.kind, bookId: r.bookId, title: r.title, elsewhere: r.elsewhere };
  return { name: r.name, kind: r.kind, bookId: r.bookId, title: r.title };
}

/** 422 when nothing was accepted, so scripts and the progress bar can tell without reading text. */
function respond(req: Request, res: Response, outcomes: OutcomeView[], locals: Record<string, unknown>): void {
  const anyAccepted = outcomes.some((o) => o.kind === 'created' || o.kind === 'duplicate');
  res.status(anyAccepted ? 200 : 422);
  if (wantsJson(req)) {
    const t = translator(req.lang);
    const url = (o: OutcomeView) =>
      // A file another library holds: the shared catalogue of THIS library, where it can be shelved.
      o.elsewhere
        ? `${res.locals.base}/admin/sach-dung-chung?q=${encodeURIComponent(o.title ?? '')}`
        : o.bookId
          ? libPath(res, `/admin/books/${o.bookId}`)
          : null;
    const message = (o: OutcomeView) =>
      o.elsewhere ? { message: t('shelves.upload.elsewhere', { library: o.elsewhere.libraryName, title: o.title ?? '' }) } : {};
    res.json({ results: outcomes.map((o) => ({ ...o, url: url(o), ...message(o) })) });
    return;
  }
  res.render('catalogue/upload', { ...locals, outcomes, problems: [] });
}
