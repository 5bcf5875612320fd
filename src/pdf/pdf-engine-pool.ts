import type { Logger } from '../infra/logger.ts';
import { coverFromImageFile } from './cover-image.ts';
import { isCoverWidth, type CoverImage } from '../features/catalogue/books/covers.ts';
import { PdfRejectedError } from './errors.ts';
import { PdfWorkerError, PdfWorkerPool } from './worker-pool.ts';
import type { ExtractedPage, PdfEngine } from './pdf-engine.ts';

/** Pages handed to the database per batch: small enough for flat memory, big enough for few round trips. */
const PAGE_BATCH = 50;

/**
 * PdfEngine over the pdf/ module's worker pool: pdf.js runs in worker threads (never on the
 * event loop that serves requests), pages stream back in order with back-pressure, and a PDF
 * that crashes or hangs its worker only costs that worker.
 */
export function createPdfEngine(log: Logger): PdfEngine {
  const pool = new PdfWorkerPool();
  // Uploads are checked on a worker of their own: a librarian waiting for "accepted / refused"
  // must not queue behind two 800-page books being extracted. Idle workers exit after 30 s.
  const checks = new PdfWorkerPool({ size: 1, jobTimeoutMs: 120_000, idleTimeoutMs: 5_000 });
  log.debug({ size: pool.size }, 'PDF worker pools created');
  return {
    validate: async (file) => {
      try {
        await checks.validate(file);
      } catch (err) {
        // A file that kills or hangs pdf.js while merely opening is a file we cannot take.
        if (err instanceof PdfWorkerError && err.reason !== 'closed') throw new PdfRejectedError('corrupt', err.message);
        throw err;
      }
    },
    extract: async (file, onPages, signal) => {
      let batch: ExtractedPage[] = [];
      let pageCount = 0;
      const summary = await pool.extract(file, {
        signal,
        onPage: async (pageNumber, text, info) => {
          pageCount = info.pageCount;
          batch.push({ pageNumber, text, rawText: info.converted ? (info.originalText ?? null) : null });
          if (batch.length >= PAGE_BATCH) {
            const full = batch;
            batch = [];
            await onPages(full, pageCount);
          }
        },
      });
      if (batch.length) await onPages(batch, pageCount || summary.numPages);
      return {
        numPages: summary.numPages,
        outline: summary.outline,
        metadata: { ...summary.metadata },
        textlessPages: summary.textlessPages,
        mojibakePages: summary.mojibakePages,
        legacyEncoding: summary.legacyEncoding,
      };
    },
    renderCover: async (file) => {
      const cover = await pool.renderCover(file);
      if (!cover) return null;
      const images: CoverImage[] = [];
      for (const v of cover.variants) if (isCoverWidth(v.width)) images.push({ width: v.width, webp: v.webp, jpeg: v.jpeg });
      return images;
    },
    renderFirstPage: async (file, width) => {
      // maxPagesToTry 1: a blank page 1 yields null rather than a picture of page 2.
      const page = await pool.renderCover(file, { widths: [width], maxPagesToTry: 1, webpQuality: 70 });
      return page?.variants[0]?.webp ?? null;
    },
    coverFromImage: (file) => coverFromImageFile(file),
    close: async () => {
      await Promise.all([pool.close(), checks.close()]);
    },
  };
}
