import type { Logger } from '../infra/logger.ts';
import { coverFromImageFile } from './cover-image.ts';
import { isCoverWidth, type CoverImage } from '../features/catalogue/books/covers.ts';
import { PdfRejectedError } from './errors.ts';
import { PdfWorkerError, PdfWorkerPool } from './worker-pool.ts';
import type { ExtractedPage, PdfEngine } from './pdf-engine.ts';

/** Pages handed to the database per batch: small enough for flat memory, big enough for few round trips. */
const PAGE_BATCH = 50;

/**
 * A worker killed for memory or time was killed because of the file: that is a refusal with a
 * reason the librarian can act on ("too heavy"), not a crash to retry on every restart.
 */
function asRejection(err: unknown): unknown {
  if (err instanceof PdfWorkerError && (err.reason === 'memory' || err.reason === 'timeout')) {
    return new PdfRejectedError('too_heavy', err.message);
  }
  return err;
}

/**
 * PdfEngine over the pdf/ module's worker pool: pdf.js runs in child processes (never on the
 * event loop that serves requests), pages stream back in order with back-pressure, and a PDF
 * that crashes, hangs or bloats its worker only costs that worker.
 */
export function createPdfEngine(log: Logger): PdfEngine {
  const pool = new PdfWorkerPool();
  // Uploads are checked on a worker of their own: a librarian waiting for "accepted / refused"
  // must not queue behind two 800-page books being extracted. Idle workers exit after 30 s.
  const checks = new PdfWorkerPool({ size: 1, jobTimeoutMs: 120_000, idleTimeoutMs: 5_000 });
  // Page pictures for readers: their own workers, so a picture never queues behind an 800-page
  // extraction, and a short timeout (a reader will not wait a minute for one page). Workers stay
  // up 5 minutes after the last page: starting one costs about a second (loading pdf.js), which a
  // reader coming back to the book, or the next reader, would otherwise wait for.
  const pages = new PdfWorkerPool({ jobTimeoutMs: 60_000, idleTimeoutMs: 5 * 60_000, maxHeapMb: 1024 });
  log.debug({ size: pool.size }, 'PDF worker pools created');
  return {
    validate: async (file) => {
      try {
        await checks.validate(file);
      } catch (err) {
        // A file that kills or hangs pdf.js while merely opening is a file we cannot take.
        if (err instanceof PdfWorkerError && err.reason === 'crashed') throw new PdfRejectedError('corrupt', err.message);
        throw asRejection(err);
      }
    },
    extract: async (file, onPages, signal) => {
      let batch: ExtractedPage[] = [];
      let pageCount = 0;
      const summary = await pool
        .extract(file, {
          signal,
          onPage: async (pageNumber, text, info) => {
            pageCount = info.pageCount;
            batch.push({
              pageNumber,
              text,
              rawText: info.converted ? (info.originalText ?? null) : null,
              extractError: info.failed ? (info.error ?? 'unreadable page') : undefined,
              needsOcr: info.textless || info.failed || info.undecodable === true,
            });
            if (batch.length >= PAGE_BATCH) {
              const full = batch;
              batch = [];
              await onPages(full, pageCount);
            }
          },
        })
        .catch((err: unknown) => {
          throw asRejection(err);
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
      const cover = await pool.renderCover(file).catch((err: unknown) => {
        throw asRejection(err);
      });
      if (!cover) return null;
      const images: CoverImage[] = [];
      for (const v of cover.variants) if (isCoverWidth(v.width)) images.push({ width: v.width, webp: v.webp, jpeg: v.jpeg });
      return images;
    },
    renderOcrImage: async (file, pageNumber, dpi) => {
      const image = await pool.renderOcrImage(file, pageNumber, { dpi });
      return { png: image.png, blank: image.blank };
    },
    renderFirstPage: async (file, width) => {
      // maxPagesToTry 1: a blank page 1 yields null rather than a picture of page 2.
      const page = await pool.renderCover(file, { widths: [width], maxPagesToTry: 1, webpQuality: 70 }).catch((err: unknown) => {
        throw asRejection(err);
      });
      return page?.variants[0]?.webp ?? null;
    },
    renderPage: async (file, pageNumber, options) => {
      try {
        return await pages.renderPage(file, pageNumber, options);
      } catch (err) {
        // RangeError crosses the thread boundary as a plain error: give it back its type.
        if (err instanceof Error && err.name === 'RangeError') throw new RangeError(err.message, { cause: err });
        throw err;
      }
    },
    coverFromImage: (file) => coverFromImageFile(file),
    close: async () => {
      await Promise.all([pool.close(), checks.close(), pages.close()]);
    },
  };
}
