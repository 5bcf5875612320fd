import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/**
 * pdf.js files served straight from node_modules (never copied into git), under /static/reader.
 * The legacy build and its matching legacy viewer: they run on the older Android browsers that
 * our readers have. Cached for a week like the rest of /static; the version is pinned in
 * package.json, and the service worker refreshes its copy when the shell version changes.
 */
const FILES: Record<string, string> = {
  'pdf.min.mjs': 'legacy/build/pdf.min.mjs',
  'pdf.worker.min.mjs': 'legacy/build/pdf.worker.min.mjs',
  'pdf_viewer.mjs': 'legacy/web/pdf_viewer.mjs',
  'pdf_viewer.css': 'legacy/web/pdf_viewer.css',
};

export function readerAssets(): Router {
  const router = Router();
  const opts = { maxAge: '7d', index: false } as const;
  router.get('/:file', (req, res, next) => {
    const rel = FILES[req.params.file];
    if (!rel) return next();
    res.sendFile(path.join(pdfjsRoot, rel), {
      maxAge: '7d',
      headers: { 'Content-Type': rel.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' },
    });
  });
  router.use('/images', express.static(path.join(pdfjsRoot, 'legacy/web/images'), opts));
  router.use('/cmaps', express.static(path.join(pdfjsRoot, 'cmaps'), opts));
  router.use('/standard_fonts', express.static(path.join(pdfjsRoot, 'standard_fonts'), opts));
  router.use('/wasm', express.static(path.join(pdfjsRoot, 'wasm'), opts));
  return router;
}
