import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { OcrImage, OcrImageOptions } from './render-ocr-image.ts';
import type { ExtractSummary, OnPage } from './extract-pdf.ts';
import type { PdfInspection } from './inspect-pdf.ts';
import { DEFAULT_PDF_LIMITS, type PdfLimits } from './pdf-limits.ts';
import { watchResidentMemory } from './process-memory.ts';
import type { CoverImages, CoverOptions } from './render-cover.ts';
import { deserializeError, forkPdfWorker, toError } from './worker-process.ts';
import type { FromWorker, JobRequest, JobResult, ToWorker } from './worker-protocol.ts';

export { workerExecArgv } from './worker-process.ts';
import type { PageRenderOptions, RenderedPage } from './render-page.ts';

/**
 * Runs pdf.js in child processes so that parsing a book never blocks the web server's event loop,
 * and so that a runaway PDF can be killed without taking the server down. A process, not a worker
 * thread: V8's heap cap (`maxOldGenerationSizeMb`) does not cover ArrayBuffers — decoded streams,
 * images, canvases — so only a process whose resident memory we watch and kill has a real ceiling.
 * Messages are the same structured clones as before (IPC with `serialization: 'advanced'`).
 *
 * Fairness: a book (a file path) runs in one slot at a time, and when every slot has been held by
 * one job for longer than `longJobMs`, one extra process is allowed, so an ordinary book never
 * waits behind pathological ones for more than that. Every public method rejects with
 * PdfRejectedError for bad files and PdfWorkerError when the worker itself failed (crash, memory,
 * timeout, pool closed).
 */

export interface PdfWorkerPoolOptions {
  /** Worker processes; default min(2, cores), leaving the web server some room on small machines. */
  size?: number;
  /** The main thread acknowledges every N pages; the worker stays at most 2·N pages ahead. */
  ackEvery?: number;
  /** A job taking longer is killed with its worker (a pathological PDF can loop for ever). */
  jobTimeoutMs?: number;
  /** V8 heap cap per worker (--max-old-space-size); default: maxRssMb. */
  maxHeapMb?: number;
  /** Resident memory ceiling per worker: above it the worker is killed and its job fails ('memory'). */
  maxRssMb?: number;
  /** How often a busy worker's memory is sampled. */
  rssPollMs?: number;
  /** A job running longer than this counts as long when deciding whether to open the extra lane. */
  longJobMs?: number;
  /** Ceilings applied inside the workers (pdf-limits.ts); unset fields keep their defaults. */
  limits?: Partial<PdfLimits>;
  /** Idle workers exit after this long, returning their ~100 MB to the system. */
  idleTimeoutMs?: number;
  /** pdf.js's worker module with our text-extraction patch (default) or as shipped (for comparisons). */
  pdfjsWorker?: 'patched' | 'stock';
}

export class PdfWorkerError extends Error {
  override readonly name = 'PdfWorkerError';
  constructor(
    readonly reason: 'crashed' | 'timeout' | 'memory' | 'closed',
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
  /** The file: one slot per book, so one book never holds every slot. */
  key: string;
  onPage?: OnPage;
  signal?: AbortSignal;
  resolve: (result: JobResult) => void;
  reject: (err: Error) => void;
  received: number;
  processed: number;
  /** onPage calls run one after another on this chain; results wait for it. */
  chain: Promise<void>;
  /** Nobody is waiting for it: runs only on an idle pool (see #next). */
  background: boolean;
  /** First failure of onPage or an abort: the job ends with it, whatever the worker says. */
  failure?: Error;
  detachSignal?: () => void;
}

interface Slot {
  child: ChildProcess;
  exited: Promise<void>;
  /** The worker has loaded pdf.js and listens; messages wait in `outbox` until then. */
  ready: boolean;
  outbox: ToWorker[];
  job: Job | null;
  /** The file of the last job: a page worker keeps that document open (render-page.ts). */
  lastKey?: string;
  startedAt: number;
  idleTimer?: NodeJS.Timeout;
  jobTimer?: NodeJS.Timeout;
  stopWatch?: () => void;
}

/** Opening and probing a file, or rendering one page, has no business taking long. */
const SHORT_KIND_TIMEOUT_MS: Partial<Record<JobRequest['kind'], number>> = { validate: 120_000, cover: 120_000 };

export class PdfWorkerPool {
  readonly size: number;
  readonly #ackEvery: number;
  readonly #jobTimeoutMs: number;
  readonly #maxHeapMb: number;
  readonly #maxRssBytes: number;
  readonly #rssPollMs: number;
  readonly #longJobMs: number;
  readonly #limits: PdfLimits;
  readonly #idleTimeoutMs: number;
  readonly #pdfjsWorker: 'patched' | 'stock';
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  readonly #kills = { memory: 0, timeout: 0 };
  #laneTimer?: NodeJS.Timeout;
  #nextId = 1;
  #closed = false;

  constructor(options: PdfWorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
    this.#ackEvery = Math.max(1, Math.floor(options.ackEvery ?? 8));
    this.#jobTimeoutMs = options.jobTimeoutMs ?? 10 * 60_000;
    const maxRssMb = options.maxRssMb ?? 1200;
    this.#maxRssBytes = maxRssMb * 1024 * 1024;
    this.#maxHeapMb = options.maxHeapMb ?? maxRssMb;
    this.#rssPollMs = options.rssPollMs ?? 100;
    this.#longJobMs = options.longJobMs ?? 60_000;
    this.#limits = { ...DEFAULT_PDF_LIMITS, ...options.limits };
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

  async renderPage(path: string, pageNumber: number, options: PageRenderOptions = {}): Promise<RenderedPage> {
    const result = await this.#submit({ kind: 'page', path, pageNumber, options }, undefined, undefined, options.background === true);
    if (result.kind !== 'page') throw new Error(`unexpected ${result.kind} result`);
    const v = result.value;
    return { ...v, webp: v.webp && Buffer.from(v.webp.buffer, v.webp.byteOffset, v.webp.byteLength) };
  }

  /** Renders one page as a PNG for OCR (render-ocr-image.ts). */
  async renderOcrImage(path: string, pageNumber: number, options: OcrImageOptions): Promise<OcrImage> {
    const result = await this.#submit({ kind: 'ocr-image', path, pageNumber, options });
    if (result.kind !== 'ocr-image') throw new Error(`unexpected ${result.kind} result`);
    return result.value;
  }

  /**
   * For health pages and tests: `bufferedPages` is pages received but not yet handed to onPage;
   * `kills` counts workers killed for memory or time since the pool started.
   */
  stats(): { workers: number; busy: number; queued: number; bufferedPages: number; kills: { memory: number; timeout: number } } {
    const slots = [...this.#slots];
    return {
      workers: slots.length,
      busy: slots.filter((s) => s.job).length,
      queued: this.#queue.length,
      bufferedPages: slots.reduce((n, s) => n + (s.job ? s.job.received - s.job.processed : 0), 0),
      kills: { ...this.#kills },
    };
  }

  /** Process ids of the workers (tests check that a killed worker is really gone). */
  pids(): number[] {
    return [...this.#slots].map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Rejects queued jobs, kills the workers (running jobs reject with PdfWorkerError 'closed'). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#laneTimer);
    for (const job of this.#queue.splice(0)) job.reject(new PdfWorkerError('closed', 'PDF worker pool closed'));
    await Promise.all([...this.#slots].map((slot) => this.#retire(slot, new PdfWorkerError('closed', 'PDF worker pool closed'))));
  }

  #submit(request: JobRequest, onPage?: OnPage, signal?: AbortSignal, background = false): Promise<JobResult> {
    if (this.#closed) return Promise.reject(new PdfWorkerError('closed', 'PDF worker pool closed'));
    signal?.throwIfAborted();
    return new Promise<JobResult>((resolve, reject) => {
      const id = this.#nextId++;
      const job: Job = {
        id,
        request,
        // Job kinds are added by other features; one without a file is its own key.
        key: 'path' in request && typeof request.path === 'string' ? request.path : `job:${id}`,
        onPage,
        signal,
        resolve,
        reject,
        received: 0,
        processed: 0,
        chain: Promise.resolve(),
        background,
      };
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  #dispatch(): void {
    clearTimeout(this.#laneTimer);
    while (this.#queue.length > 0 && !this.#closed) {
      const busy = [...this.#slots].filter((s) => s.job);
      const runningKeys = new Set(busy.map((s) => s.job!.key));
      const index = this.#next(busy, runningKeys);
      if (index < 0) return; // everything waiting is a book already being worked on (or background work that must wait)
      if (busy.length >= this.#capacity(busy)) return this.#scheduleLane(busy);
      // The idle worker that last had this book, if any: it still has the document open, and
      // consecutive pages of one book (a reader, the prefetch) skip re-opening it.
      const idle = [...this.#slots].filter((s) => s.job === null);
      const slot = idle.find((s) => s.lastKey === this.#queue[index].key) ?? idle[0] ?? this.#spawn();
      const [job] = this.#queue.splice(index, 1);
      if (job.signal?.aborted) job.reject(toError(job.signal.reason));
      else this.#start(slot, job);
    }
  }

  /**
   * The queued job to start next: the first one whose book is not already being worked on, jobs
   * someone waits for before background ones. Background work (pictures rendered ahead on
   * publish) runs one job at a time and only on an otherwise idle pool, so a reader's page never
   * waits for more than the one background page being rendered.
   */
  #next(busy: Slot[], runningKeys: Set<string>): number {
    const eligible = (j: Job) => !runningKeys.has(j.key);
    const index = this.#queue.findIndex((j) => !j.background && eligible(j));
    if (index >= 0 || busy.length > 0) return index;
    return this.#queue.findIndex(eligible);
  }

  /** `size`, plus one lane once every slot is held by a long job (bounded: at most size + 1 workers). */
  #capacity(busy: Slot[]): number {
    const now = performance.now();
    const long = busy.filter((s) => now - s.startedAt >= this.#longJobMs).length;
    return this.size + (long >= this.size ? 1 : 0);
  }

  /** Re-dispatches when the next running job becomes long (and may open the extra lane). */
  #scheduleLane(busy: Slot[]): void {
    const now = performance.now();
    const waits = busy.map((s) => s.startedAt + this.#longJobMs - now).filter((ms) => ms > 0);
    if (waits.length === 0) return;
    this.#laneTimer = setTimeout(() => this.#dispatch(), Math.min(...waits) + 5);
    this.#laneTimer.unref();
  }

  #start(slot: Slot, job: Job): void {
    clearTimeout(slot.idleTimer);
    slot.lastKey = job.key;
    slot.job = job;
    slot.startedAt = performance.now();
    slot.child.ref();
    slot.child.channel?.ref();
    const timeoutMs = Math.min(this.#jobTimeoutMs, SHORT_KIND_TIMEOUT_MS[job.request.kind] ?? Infinity);
    slot.jobTimer = setTimeout(() => {
      this.#kills.timeout++;
      void this.#retire(slot, new PdfWorkerError('timeout', `PDF job took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    slot.stopWatch = watchResidentMemory(slot.child, this.#maxRssBytes, this.#rssPollMs, (rss) => {
      if (!this.#slots.has(slot)) return;
      this.#kills.memory++;
      const mb = Math.round(rss / 1048576);
      void this.#retire(slot, new PdfWorkerError('memory', `PDF worker used ${mb} MB (limit ${this.#maxRssBytes / 1048576} MB)`));
    });
    this.#post(slot, { type: 'job', id: job.id, request: job.request });
    const { signal } = job;
    if (signal) {
      const onAbort = () => this.#fail(slot, job, toError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      job.detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  #spawn(): Slot {
    const child = forkPdfWorker({
      pdfjsWorker: this.#pdfjsWorker,
      maxHeapMb: this.#maxHeapMb,
      limits: this.#limits,
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const slot: Slot = { child, exited, ready: false, outbox: [], job: null, startedAt: 0 };
    this.#slots.add(slot);
    child.on('message', (message: FromWorker) => this.#onMessage(slot, message));
    child.on('error', (err) => void this.#retire(slot, new PdfWorkerError('crashed', `PDF worker failed: ${err.message}`)));
    child.on(
      'exit',
      (code, signal) => void this.#retire(slot, new PdfWorkerError('crashed', `PDF worker exited with ${signal ?? `code ${code}`}`)),
    );
    return slot;
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      slot.ready = true;
      for (const queued of slot.outbox.splice(0)) this.#post(slot, queued);
      return;
    }
    const job = slot.job;
    if (!job || message.id !== job.id) return;
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
    slot.stopWatch?.();
    slot.job = null;
    // An idle pool must not keep the process alive.
    slot.child.unref();
    slot.child.channel?.unref();
    slot.idleTimer = setTimeout(() => void this.#retire(slot), this.#idleTimeoutMs);
    slot.idleTimer.unref();
    this.#dispatch();
  }

  /** Removes a worker for good (killed, and waited for); its running job, if any, fails with `err`. */
  async #retire(slot: Slot, err?: PdfWorkerError): Promise<void> {
    if (!this.#slots.delete(slot)) return;
    clearTimeout(slot.idleTimer);
    clearTimeout(slot.jobTimer);
    slot.stopWatch?.();
    const job = slot.job;
    slot.job = null;
    job?.detachSignal?.();
    if (slot.child.exitCode === null && slot.child.signalCode === null) {
      slot.child.ref(); // an idle (unref'd) worker's exit would otherwise not keep us waiting for it
      slot.child.kill('SIGKILL');
    }
    // The job fails once its process is gone, so "killed" means killed. A process that never
    // started emits 'error' but no 'exit': do not wait for ever.
    await Promise.race([slot.exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
    if (job) void job.chain.then(() => job.reject(job.failure ?? err ?? new PdfWorkerError('crashed', 'PDF worker stopped')));
    if (!this.#closed) this.#dispatch();
  }

  #post(slot: Slot, message: ToWorker): void {
    if (!slot.ready) return void slot.outbox.push(message);
    if (!slot.child.connected) return;
    slot.child.send(message, (err) => {
      if (err) void this.#retire(slot, new PdfWorkerError('crashed', `PDF worker unreachable: ${err.message}`));
    });
  }
}
