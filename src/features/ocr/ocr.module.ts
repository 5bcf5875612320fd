import type { AppContext } from '../../context.ts';
import type { Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import { createTesseractOcr, type OcrEngine } from '../../infra/ocr/tesseract-ocr.ts';
import type { SearchIndexer } from '../search/search-indexer.ts';
import { ocrHandler } from './ocr.job.ts';
import { OcrRepository } from './ocr.repository.ts';
import { OCR_JOB, OcrService } from './ocr.service.ts';

export interface OcrServices {
  ocr: OcrService;
  /** tesseract.js recognisers, started on first use (a CLI or test that never recognises starts none). */
  ocrEngine: OcrEngineHolder;
}

export class OcrEngineHolder {
  private engine: OcrEngine | null = null;
  constructor(private readonly factory: () => OcrEngine) {}
  get(): OcrEngine {
    return (this.engine ??= this.factory());
  }
  async close(): Promise<void> {
    const e = this.engine;
    this.engine = null;
    await e?.close();
  }
}

export function createOcrServices(d: {
  db: Database;
  jobs: JobsRepository;
  wake: () => void;
  indexer: SearchIndexer;
  clock: Clock;
  config: Config['ocr'];
}): OcrServices & { repo: OcrRepository } {
  const repo = new OcrRepository(d.db);
  return {
    repo,
    ocr: new OcrService({ ...d, repo }),
    ocrEngine: new OcrEngineHolder(() => createTesseractOcr(d.config.concurrency)),
  };
}

/**
 * Registers the OCR job unless OCR_ENABLED is false. Switched off, books are still queued
 * (durably, in the job table) and wait; they run once OCR is switched on again.
 */
export function registerOcrJobs(ctx: AppContext): void {
  if (!ctx.config.ocr.enabled) {
    ctx.log.info('OCR is switched off (OCR_ENABLED=false): scanned pages wait in the queue');
    return;
  }
  ctx.jobs.register(
    OCR_JOB,
    ocrHandler({
      db: ctx.db,
      repo: ctx.repos.ocr,
      service: ctx.services.ocr,
      books: ctx.repos.books,
      indexer: ctx.services.searchIndexer,
      storage: ctx.storage,
      pdf: () => ctx.services.pdf.get(),
      ocr: () => ctx.services.ocrEngine.get(),
      concurrency: ctx.config.ocr.concurrency,
      dpi: ctx.config.ocr.dpi,
      log: ctx.log.child({ component: 'ocr' }),
    }),
  );
}
