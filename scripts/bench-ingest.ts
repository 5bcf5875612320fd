/**
 * Ingestion benchmark: our text extraction (pdf.js in the worker pool) against poppler's
 * pdftotext on the books of the shared PDF corpus (../shared/corpus, read in place).
 *
 *   npm run bench:ingest [-- --workers 2] [--rounds 3] [--no-import]
 *
 * Prints pages/second per book (one worker, like one upload) and for the whole corpus (all
 * workers busy), the same for pdftotext, their ratio, and peak RSS. RSS is sampled every 20 ms
 * for this process plus the pool's worker processes (CPU likewise, from /proc). Last, unless
 * --no-import, the whole import path (storage, checks, PostgreSQL, covers) on the same books.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PdfWorkerPool } from '../src/pdf/worker-pool.ts';
import { residentBytes } from '../src/pdf/process-memory.ts';
import { corpusUnavailableReason, readCorpus } from '../tests/helpers/corpus.ts';

const workersArg = process.argv.indexOf('--workers');
const WORKERS = workersArg > 0 ? Number(process.argv[workersArg + 1]) : 2;
const roundsArg = process.argv.indexOf('--rounds');
const MIN_PAGES = 20; // the corpus' small pdf.js test files say nothing about throughput
const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => fs.existsSync(p)) ?? null;
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const unavailable = corpusUnavailableReason();
if (unavailable) {
  console.log(`bench:ingest skipped: ${unavailable}`);
  process.exit(0);
}
const books = readCorpus().filter((e) => e.outcome === 'ok' && (e.pages ?? 0) >= MIN_PAGES);
const totalPages = books.reduce((n, b) => n + (b.pages ?? 0), 0);
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

/**
 * Runs fn while sampling this process's RSS; returns fn's result, wall seconds, CPU seconds and
 * peak RSS. process.cpuUsage() counts every thread of the process, workers included, so the CPU
 * figure stays meaningful on a busy machine where wall time does not.
 */
/** CPU seconds (user + system) of a process so far, from /proc (Linux; 0 elsewhere or once it is gone). */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await fs.promises.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Runs fn while sampling RSS of this process plus the pools' worker processes (pdf.js runs in
 * child processes, whose memory and CPU process.* does not count); returns fn's result, wall
 * seconds, CPU seconds (this process and the workers) and peak RSS (their sum).
 */
async function measure<T>(
  fn: () => Promise<T>,
  pools: PdfWorkerPool[] = [],
): Promise<{ value: T; seconds: number; cpu: number; peakRss: number }> {
  const pids = () => pools.flatMap((p) => p.pids());
  const totalRss = async () => {
    const children = await Promise.all(pids().map((pid) => residentBytes(pid)));
    return process.memoryUsage.rss() + children.reduce<number>((a, b) => a + (b ?? 0), 0);
  };
  const childCpu = new Map<number, number>();
  for (const pid of pids()) childCpu.set(pid, await processCpuSeconds(pid));
  let peakRss = await totalRss();
  let sampling = false;
  const timer = setInterval(() => {
    if (sampling) return;
    sampling = true;
    void totalRss()
      .then((rss) => (peakRss = Math.max(peakRss, rss)))
      .finally(() => (sampling = false));
  }, 20);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  try {
    const value = await fn();
    const cpu = process.cpuUsage(cpuStart);
    let workersCpu = 0;
    for (const pid of pids()) workersCpu += (await processCpuSeconds(pid)) - (childCpu.get(pid) ?? 0);
    return {
      value,
      seconds: (performance.now() - start) / 1000,
      cpu: (cpu.user + cpu.system) / 1e6 + workersCpu,
      peakRss: Math.max(peakRss, await totalRss()),
    };
  } finally {
    clearInterval(timer);
  }
}

async function ours(pool: PdfWorkerPool, file: string): Promise<number> {
  let chars = 0;
  const summary = await pool.extract(file, { onPage: (_n, text) => void (chars += text.length) });
  return summary.numPages;
}

/** pdftotext's wall time and, via /usr/bin/time, its CPU seconds and peak RSS in bytes. */
async function pdftotext(file: string): Promise<{ seconds: number; cpu: number | null; rss: number | null }> {
  const start = performance.now();
  if (TIME) {
    const { stderr } = await promisify(execFile)(TIME, ['-f', '%M %U %S', PDFTOTEXT!, '-q', file, '/dev/null']);
    const [kb, user, sys] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
    const cpu = user + sys;
    return {
      seconds: (performance.now() - start) / 1000,
      cpu: Number.isFinite(cpu) ? cpu : null,
      rss: Number.isFinite(kb) ? kb * 1024 : null,
    };
  }
  await new Promise<void>((resolve, reject) => {
    spawn(PDFTOTEXT!, ['-q', file, '/dev/null'], { stdio: 'ignore' })
      .on('exit', () => resolve())
      .on('error', reject);
  });
  return { seconds: (performance.now() - start) / 1000, cpu: null, rss: null };
}

async function parallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

console.log(
  `bench:ingest — ${books.length} books, ${totalPages} pages; ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(2)}`,
);
console.log(`pdftotext: ${PDFTOTEXT ?? 'not installed (apt-get install poppler-utils); showing our figures only'}\n`);

// One worker, one book at a time: the speed of a single upload. Warm the worker first, so
// thread start-up (≈0.5–1 s) is not charged to the first book.
const single = new PdfWorkerPool({ size: 1 });
await single.validate(books[0].path);
const rows: string[][] = [
  ['book', 'pages', 'ours s', 'p/s', 'p/cpu-s', 'peak RSS', 'pdftotext s', 'p/s', 'p/cpu-s', 'RSS', 'ratio wall', 'ratio cpu'],
];
let oursCpu = 0;
let refCpu = 0;
for (const book of books) {
  const run = await measure(() => ours(single, book.path), [single]);
  const ref = PDFTOTEXT ? await pdftotext(book.path) : null;
  oursCpu += run.cpu;
  refCpu += ref?.cpu ?? NaN;
  const rate = run.value / run.seconds;
  const cpuRate = run.value / run.cpu;
  const refRate = ref ? run.value / ref.seconds : null;
  const refCpuRate = ref?.cpu ? run.value / Math.max(ref.cpu, 0.01) : null;
  rows.push([
    book.file,
    String(run.value),
    run.seconds.toFixed(2),
    rate.toFixed(0),
    cpuRate.toFixed(0),
    mb(run.peakRss),
    ref ? ref.seconds.toFixed(2) : '-',
    refRate ? refRate.toFixed(0) : '-',
    refCpuRate ? refCpuRate.toFixed(0) : '-',
    ref?.rss ? mb(ref.rss) : '-',
    refRate ? `${(rate / refRate).toFixed(2)}×` : '-',
    refCpuRate ? `${(cpuRate / refCpuRate).toFixed(2)}×` : '-',
  ]);
}
await single.close();
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
console.log(
  `per page of CPU (all threads), one book at a time: ours ${((1000 * oursCpu) / totalPages).toFixed(2)} ms, pdftotext ${((1000 * refCpu) / totalPages).toFixed(2)} ms\n`,
);

// The whole corpus with every worker busy, against pdftotext run one file at a time and with as
// many processes as we have workers. This VM's speed drifts by ±30 % from minute to minute, so the
// runs are interleaved in rounds and each figure is the median of its rounds: a ratio then
// compares runs made seconds apart. "stock" is the same pipeline with pdf.js's worker module as
// shipped, to show what our patch of it (load-pdfjs.mjs) is worth.
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const rates: Record<string, number[]> = { patched: [], stock: [], pdftotext1: [], pdftotextN: [] };
let peakRss = 0;
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of ['patched', 'stock'] as const) {
    // A pool per run, warmed first (thread start-up is not ingest), closed after: only its workers count in RSS.
    const pool = new PdfWorkerPool({ size: WORKERS, pdfjsWorker: variant });
    await Promise.all(Array.from({ length: WORKERS }, () => pool.validate(books[0].path)));
    const run = await measure(async () => (await Promise.all(books.map((b) => ours(pool, b.path)))).reduce((a, b) => a + b, 0), [pool]);
    await pool.close();
    rates[variant].push(run.value / run.seconds);
    if (variant === 'patched') peakRss = Math.max(peakRss, run.peakRss);
  }
  if (PDFTOTEXT) {
    for (const [key, width] of [
      ['pdftotext1', 1],
      ['pdftotextN', WORKERS],
    ] as const) {
      const start = performance.now();
      await parallel(books, width, (b) => pdftotext(b.path));
      rates[key].push(totalPages / ((performance.now() - start) / 1000));
    }
  }
  const r = (key: string) => rates[key][round - 1]?.toFixed(0) ?? '-';
  console.log(
    `round ${round}: ours ${r('patched')} pages/s (stock pdf.js ${r('stock')}), pdftotext × 1 ${r('pdftotext1')}, × ${WORKERS} ${r('pdftotextN')}`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours1 = median(rates.patched);
console.log(
  `\nwhole corpus, median of ${ROUNDS} rounds, ${WORKERS} workers: ours ${ours1.toFixed(0)} pages/s, with stock pdf.js ${median(rates.stock).toFixed(0)} pages/s (patch: ${(ours1 / median(rates.stock)).toFixed(2)}×); peak RSS ${mb(peakRss)}`,
);
if (PDFTOTEXT) {
  // Each round's ratio compares runs made seconds apart; the median of those is the figure.
  const ratios = (key: string) => rates.patched.map((x, i) => x / rates[key][i]);
  const show = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  console.log(
    `whole corpus, pdftotext × 1 process: ${median(rates.pdftotext1).toFixed(0)} pages/s → ours/pdftotext = ${median(ratios('pdftotext1')).toFixed(2)}× (median of rounds: ${show(ratios('pdftotext1'))})`,
  );
  console.log(
    `whole corpus, pdftotext × ${WORKERS} processes: ${median(rates.pdftotextN).toFixed(0)} pages/s → ours/pdftotext = ${median(ratios('pdftotextN')).toFixed(2)}× (rounds: ${show(ratios('pdftotextN'))})`,
  );
}

// End to end: what `npm run import` does with a ward's collection — copy each file into storage,
// check it, extract every page, store the pages in PostgreSQL, render covers — with the app's own
// services and job runner on a throw-away embedded PostgreSQL, against pdftotext on the same files.
// Search indexing is left out (an import without --publish does not index). pdftotext only does the
// extraction part, so this ratio is context, not the target; PostgreSQL's CPU is in a process of its own.
if (!process.argv.includes('--no-import')) {
  const { benchContext } = await import('./bench-stats.ts');
  const { registerCatalogueJobs } = await import('../src/features/catalogue/catalogue.jobs.ts');
  const { folderSource } = await import('../src/features/catalogue/ingest/import-sources.ts');
  const { ImportService } = await import('../src/features/catalogue/ingest/import.service.ts');
  const folders = [...new Set(books.map((b) => path.dirname(b.path)))];
  const bench = await benchContext({}, { JOBS_CONCURRENCY: String(WORKERS) });
  try {
    const { ctx } = bench;
    registerCatalogueJobs(ctx, { search: false });
    ctx.jobs.start();
    const importer = new ImportService(ctx);
    const files: string[] = []; // the PDFs the import took in, for pdftotext to read the same ones
    const run = await measure(async () => {
      const ids: number[] = [];
      for (const dir of folders) {
        const outcomes = await importer.importSource(folderSource(dir), {
          manifest: new Map(),
          libraryId: (await ctx.services.libraries.defaultLibrary()).id,
          actor: null,
        });
        for (const o of outcomes) {
          if (o.kind !== 'created' || !o.bookId) continue;
          ids.push(o.bookId);
          files.push(path.join(dir, o.name));
        }
      }
      await importer.waitForIngest(ids, { pollMs: 50 });
      const states = await ctx.repos.books.ingestStates(ids);
      return {
        pages: states.reduce((n, s) => n + (s.ingest_status === 'indexed' ? s.ingest_progress : 0), 0),
        books: states.filter((s) => s.ingest_status === 'indexed').length,
      };
    });
    await ctx.jobs.stop(5_000);
    const rate = run.value.pages / run.seconds;
    console.log(
      `\nend to end (import: copy, check, extract, store pages, covers), ${files.length} files: ${run.value.books} books, ${run.value.pages} pages in ${run.seconds.toFixed(1)} s = ${rate.toFixed(0)} pages/s, peak RSS ${mb(run.peakRss)} (this process; the PDF worker processes and PostgreSQL run apart)`,
    );
    if (PDFTOTEXT) {
      const start = performance.now();
      for (const f of files) await pdftotext(f);
      const refRate = run.value.pages / ((performance.now() - start) / 1000);
      console.log(
        `end to end, pdftotext × 1 process on the same files: ${refRate.toFixed(0)} pages/s → import/pdftotext = ${(rate / refRate).toFixed(2)}× (context: pdftotext only extracts)`,
      );
    }
  } finally {
    await bench.stop();
  }
}
console.log(
  `process maxRSS (main process only; pdf.js runs in child processes, counted above): ${mb(process.resourceUsage().maxRSS * 1024)}`,
);
