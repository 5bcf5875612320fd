import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { PdfRejectedError } from './errors.ts';
import type { OcrImage, OcrImageOptions } from './render-ocr-image.ts';
import type { ExtractSummary, OnPage } from './extract-pdf.ts';
import type { PdfInspection } from './inspect-pdf.ts';
import type { CoverImages, CoverOptions } from './render-cover.ts';
import type { FromWorker, JobRequest, JobResult, SerializedError, ToWorker } from './worker-protocol.ts';

/**
 * Runs pdf.js in worker threads so that parsing a book never blocks the web server's event loop,
 * and so that a runaway PDF can be killed (timeout, memory cap) without taking the server down.
 * Every public method rejects with PdfRejectedError for bad files and PdfWorkerError when the
 * worker itself failed (crash, out of memory, timeout, pool closed).
 */

export interface PdfWorkerPoolOptions {
  /** Worker threads; default min(2, cores), leaving the web server some room on small machines. */
  size?: number;
  /** The main thread acknowledges every N pages; the worker stays at most 2·N pages ahead. */
  ackEvery?: number;
  /** A job taking longer is killed with its worker (a pathological PDF can loop for ever). */
  jobTimeoutMs?: number;
  /** V8 heap cap per worker: a hostile PDF then kills its worker instead of the server. */
  maxHeapMb?: number;
  /** Idle workers exit after this long, returning their ~100 MB to the system. */
  idleTimeoutMs?: number;
  /** pdf.js's worker module with our text-extraction patch (default) or as shipped (for comparisons). */
  pdfjsWorker?: 'patched' | 'stock';
}

export class PdfWorkerError extends Error {
  override readonly name = 'PdfWorkerError';
  constructor(
    readonly reason: 'crashed' | 'timeout' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

interface Job {
  id: number;
  request: JobRequest;
  onPage?: OnPage;
  signal?: AbortSignal;
  resolve: (result: JobResult) => void;
  reject: (err: Error) => void;
  received: number;
  processed: number;
  /** onPage calls run one after another on this chain; results wait for it. */
  chain: Promise<void>;
  /** First failure of onPage or an abort: the job ends with it, whatever the worker says. */
  failure?: Error;
  detachSignal?: () => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  idleTimer?: NodeJS.Timeout;
  jobTimer?: NodeJS.Timeout;
}

const here = import.meta.url;
const BOOTSTRAP = new URL('./worker-bootstrap.mjs', here);
// Under tsx/vitest this module is .ts; a compiled build would ship extract-worker.js beside it.
const ENTRY = new URL(here.endsWith('.ts') ? './extract-worker.ts' : './extract-worker.js', here).href;

export class PdfWorkerPool {
  readonly size: number;
  readonly #ackEvery: number;
  readonly #jobTimeoutMs: number;
  readonly #maxHeapMb: number;
  readonly #idleTimeoutMs: number;
  readonly #pdfjsWorker: 'patched' | 'stock';
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: PdfWorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
    this.#ackEvery = Math.max(1, Math.floor(options.ackEvery ?? 8));
    this.#jobTimeoutMs = options.jobTimeoutMs ?? 15 * 60_000;
    this.#maxHeapMb = options.maxHeapMb ?? 1536;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#pdfjsWorker = options.pdfjsWorker ?? 'patched';
  }

  async validate(path: string): Promise<PdfInspection> {
    const result = await this.#submit({ kind: 'validate', path });
    if (result.kind !== 'validate') throw new Error(`unexpected ${result.kind} result`);
    return result.value;
  }

  async extract(path: string, options: { onPage: OnPage; signal?: AbortSignal }): Promise<ExtractSummary> {
    const request: JobRequest = { kind: 'extract', path, maxPagesInFlight: 2 * this.#ackEvery };
    const result = await this.#submit(request, options.onPage, options.signal);
    if (result.kind !== 'extract') throw new Error(`unexpected ${result.kind} result`);
    return result.value;
  }

  async renderCover(path: string, options: CoverOptions = {}): Promise<CoverImages | null> {
    const result = await this.#submit({ kind: 'cover', path, options });
    if (result.kind !== 'cover' || !result.value) return null;
    // Buffers arrive as plain Uint8Arrays after structured cloning.
    const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    return {
      pageNumber: result.value.pageNumber,
      variants: result.value.variants.map((v) => ({ ...v, jpeg: toBuffer(v.jpeg), webp: toBuffer(v.webp) })),
    };
  }

  /** Renders one page as a PNG for OCR (render-ocr-image.ts). */
  async renderOcrImage(path: string, pageNumber: number, options: OcrImageOptions): Promise<OcrImage> {
    const result = await this.#submit({ kind: 'ocr-image', path, pageNumber, options });
    if (result.kind !== 'ocr-image') throw new Error(`unexpected ${result.kind} result`);
    return result.value;
  }

  /** For health pages and tests: `bufferedPages` is pages received but not yet handed to onPage. */
  stats(): { workers: number; busy: number; queued: number; bufferedPages: number } {
    const slots = [...this.#slots];
    return {
      workers: slots.length,
      busy: slots.filter((s) => s.job).length,
      queued: this.#queue.length,
      bufferedPages: slots.reduce((n, s) => n + (s.job ? s.job.received - s.job.processed : 0), 0),
    };
  }

  /** Rejects queued jobs, terminates the workers (running jobs reject with PdfWorkerError 'closed'). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new PdfWorkerError('closed', 'PDF worker pool closed'));
    await Promise.all([...this.#slots].map((slot) => this.#retire(slot, new PdfWorkerError('closed', 'PDF worker pool closed'))));
  }

  #submit(request: JobRequest, onPage?: OnPage, signal?: AbortSignal): Promise<JobResult> {
    if (this.#closed) return Promise.reject(new PdfWorkerError('closed', 'PDF worker pool closed'));
    signal?.throwIfAborted();
    return new Promise<JobResult>((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        request,
        onPage,
        signal,
        resolve,
        reject,
        received: 0,
        processed: 0,
        chain: Promise.resolve(),
      };
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((s) => s.job === null);
      if (!slot && this.#slots.size < this.size) slot = this.#spawn();
      if (!slot) return;
      const job = this.#queue.shift()!;
      if (job.signal?.aborted) job.reject(toError(job.signal.reason));
      else this.#start(slot, job);
    }
  }

  #start(slot: Slot, job: Job): void {
    clearTimeout(slot.idleTimer);
    slot.job = job;
    slot.worker.ref();
    slot.jobTimer = setTimeout(() => {
      void this.#retire(slot, new PdfWorkerError('timeout', `PDF job took longer than ${this.#jobTimeoutMs} ms`));
    }, this.#jobTimeoutMs);
    this.#post(slot, { type: 'job', id: job.id, request: job.request });
    const { signal } = job;
    if (signal) {
      const onAbort = () => this.#fail(slot, job, toError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      job.detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, {
      workerData: { entry: ENTRY, pdfjsWorker: this.#pdfjsWorker },
      execArgv: workerExecArgv(process.execArgv),
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
    });
    const slot: Slot = { worker, job: null };
    this.#slots.add(slot);
    worker.on('message', (message: FromWorker) => this.#onMessage(slot, message));
    worker.on('error', (err) => void this.#retire(slot, new PdfWorkerError('crashed', `PDF worker crashed: ${err.message}`)));
    worker.on('exit', (code) => void this.#retire(slot, new PdfWorkerError('crashed', `PDF worker exited with code ${code}`)));
    return slot;
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    const job = slot.job;
    if (message.type === 'ready' || !job || message.id !== job.id) return;
    if (message.type === 'page') {
      job.received++;
      job.chain = job.chain.then(async () => {
        if (job.failure || !job.onPage) return;
        try {
          await job.onPage(message.pageNumber, message.text, message.info);
        } catch (err) {
          return this.#fail(slot, job, toError(err));
        }
        job.processed++;
        if (job.processed % this.#ackEvery === 0) this.#post(slot, { type: 'ack', id: job.id, processed: job.processed });
      });
      return;
    }
    // result or error: settle only after every page has been handed to onPage.
    void job.chain.then(() => {
      if (slot.job !== job) return;
      job.detachSignal?.();
      this.#release(slot);
      if (job.failure) job.reject(job.failure);
      else if (message.type === 'result') job.resolve(message.result);
      else job.reject(deserializeError(message.error));
    });
  }

  /** Ends a job early (onPage threw, or aborted): the worker is told to stop and is reused afterwards. */
  #fail(slot: Slot, job: Job, err: Error): void {
    if (job.failure) return;
    job.failure = err;
    this.#post(slot, { type: 'cancel', id: job.id });
  }

  #release(slot: Slot): void {
    clearTimeout(slot.jobTimer);
    slot.job = null;
    slot.worker.unref(); // an idle pool must not keep the process alive
    slot.idleTimer = setTimeout(() => void this.#retire(slot), this.#idleTimeoutMs);
    slot.idleTimer.unref();
    this.#dispatch();
  }

  /** Removes a worker for good; its running job, if any, fails with `err`. */
  async #retire(slot: Slot, err?: PdfWorkerError): Promise<void> {
    if (!this.#slots.delete(slot)) return;
    clearTimeout(slot.idleTimer);
    clearTimeout(slot.jobTimer);
    const job = slot.job;
    slot.job = null;
    job?.detachSignal?.();
    if (job) void job.chain.then(() => job.reject(job.failure ?? err ?? new PdfWorkerError('crashed', 'PDF worker stopped')));
    await slot.worker.terminate().catch(() => undefined);
    if (!this.#closed) this.#dispatch();
  }

  #post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }
}

/**
 * Workers inherit the parent's execArgv, including `--import tsx`. We drop tsx: the bootstrap
 * loads pdf.js natively and then registers tsx itself (see worker-bootstrap.mjs for why).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const isTsx = (value: string | undefined) => !!value && (value === 'tsx' || /(^|[\\/])tsx([\\/]|$)/.test(value));
  const hookFlags = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (hookFlags.has(arg) && isTsx(execArgv[i + 1])) {
      i++;
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && hookFlags.has(arg.slice(0, eq)) && isTsx(arg.slice(eq + 1))) continue;
    out.push(arg);
  }
  return out;
}

function deserializeError(error: SerializedError): Error {
  if (error.kind === 'rejected') return new PdfRejectedError(error.code, error.detail);
  const err = new Error(error.message);
  err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
