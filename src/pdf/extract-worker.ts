import { PdfRejectedError } from './errors.ts';
import { extractPdf } from './extract-pdf.ts';
import { validatePdfFile } from './inspect-pdf.ts';
import { renderCover } from './render-cover.ts';
import { closeKeptDocument, renderPage } from './render-page.ts';
import { renderOcrImage } from './render-ocr-image.ts';
import type { FromWorker, JobRequest, JobResult, SerializedError, ToWorker } from './worker-protocol.ts';
import { workerPort } from './worker-port.ts';

/**
 * Runs inside a PDF worker process (started by worker-pool.ts through worker-bootstrap.mjs): one
 * job at a time, page texts streamed back as messages. Extraction pauses whenever the main thread
 * is `maxPagesInFlight` pages behind, so a slow database cannot make the worker buffer a whole book.
 */

const port = workerPort();

interface RunningJob {
  id: number;
  processed: number;
  controller: AbortController;
  wake: (() => void) | null;
}
let running: RunningJob | null = null;

function send(message: FromWorker): void {
  port.postMessage(message);
}

port.onMessage((data) => {
  const message = data as ToWorker;
  if (message.type === 'job') {
    void runJob(message.id, message.request);
  } else if (running && running.id === message.id) {
    if (message.type === 'ack') running.processed = Math.max(running.processed, message.processed);
    else running.controller.abort(new Error('cancelled by the main thread'));
    running.wake?.();
  }
});

async function runJob(id: number, request: JobRequest): Promise<void> {
  const job: RunningJob = { id, processed: 0, controller: new AbortController(), wake: null };
  running = job;
  try {
    send({ type: 'result', id, result: await execute(job, request) });
  } catch (err) {
    send({ type: 'error', id, error: serializeError(err) });
  } finally {
    running = null;
  }
}

async function execute(job: RunningJob, request: JobRequest): Promise<JobResult> {
  // pdf.js allows one open document per thread (render-page.ts): page jobs keep one open between jobs.
  if (request.kind !== 'page') await closeKeptDocument();
  switch (request.kind) {
    case 'validate':
      return { kind: 'validate', value: await validatePdfFile(request.path) };
    case 'cover':
      return { kind: 'cover', value: await renderCover(request.path, request.options) };
    case 'page':
      return { kind: 'page', value: await renderPage(request.path, request.pageNumber, request.options) };
    case 'ocr-image':
      return { kind: 'ocr-image', value: await renderOcrImage(request.path, request.pageNumber, request.options) };
    case 'extract': {
      const { signal } = job.controller;
      let sent = 0;
      const value = await extractPdf(request.path, {
        signal,
        onPage: async (pageNumber, text, info) => {
          send({ type: 'page', id: job.id, pageNumber, text, info });
          sent++;
          while (sent - job.processed >= request.maxPagesInFlight && !signal.aborted) {
            await new Promise<void>((resolve) => (job.wake = resolve));
            job.wake = null;
          }
          signal.throwIfAborted();
        },
      });
      return { kind: 'extract', value };
    }
  }
}

function serializeError(err: unknown): SerializedError {
  if (err instanceof PdfRejectedError) return { kind: 'rejected', code: err.code, detail: err.detail };
  if (err instanceof Error) return { kind: 'error', name: err.name, message: err.message, stack: err.stack };
  return { kind: 'error', name: 'Error', message: String(err) };
}

send({ type: 'ready' });
