import type { PdfRejectionCode } from './errors.ts';
import type { ExtractSummary, PageInfo } from './extract-pdf.ts';
import type { PdfInspection } from './inspect-pdf.ts';
import type { CoverImages, CoverOptions } from './render-cover.ts';
import type { PageRenderOptions, RenderedPage } from './render-page.ts';
import type { OcrImage, OcrImageOptions } from './render-ocr-image.ts';

/** Messages between worker-pool.ts (main thread) and extract-worker.ts. Plain data only (structured clone). */

export type JobRequest =
  | { kind: 'validate'; path: string }
  | { kind: 'extract'; path: string; maxPagesInFlight: number }
  | { kind: 'cover'; path: string; options: CoverOptions }
  /** One page as a picture (page-picture reader), see render-page.ts. */
  | { kind: 'page'; path: string; pageNumber: number; options: PageRenderOptions }
  /** One page as a PNG for text recognition (issue 15). */
  | { kind: 'ocr-image'; path: string; pageNumber: number; options: OcrImageOptions };

export type ToWorker =
  | { type: 'job'; id: number; request: JobRequest }
  /** The main thread has finished `processed` pages of job `id`: the worker may run ahead again. */
  | { type: 'ack'; id: number; processed: number }
  | { type: 'cancel'; id: number };

export type SerializedError =
  { kind: 'rejected'; code: PdfRejectionCode; detail: string } | { kind: 'error'; name: string; message: string; stack?: string };

export type JobResult =
  | { kind: 'validate'; value: PdfInspection }
  | { kind: 'extract'; value: ExtractSummary }
  | { kind: 'cover'; value: CoverImages | null }
  | { kind: 'page'; value: RenderedPage }
  | { kind: 'ocr-image'; value: OcrImage };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'page'; id: number; pageNumber: number; text: string; info: PageInfo }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; error: SerializedError };
