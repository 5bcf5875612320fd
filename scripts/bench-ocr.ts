/**
 * OCR quality and speed through the real path (issue 15): Unicode Vietnamese text pages — generated
 * here with DejaVu Sans, and pages of a corpus book when ../shared/corpus is there — are rendered
 * at 150 and 300 dpi, wrapped as image-only PDFs (pdfkit), taken in by the intake service, ingested
 * and recognised by the OCR job through the PostgreSQL job queue, and compared with the known text:
 * character error rate after NFC + whitespace folding, words correct. Then the corpus scan (no
 * ground truth): pages per minute, mean confidence, while search and text pages are requested
 * (p95 idle vs during OCR). Peak RSS covers the whole process (tesseract and pdf.js run in its
 * worker threads). Throwaway PostgreSQL and Meilisearch, loopback only.
 *
 *   npm run bench:ocr [-- --scan-pages 40 --concurrency 2 --dpi 300]
 *
 * Goals: CER ≤ 0.5 % at both resolutions; ≥ 40 pages/min on 2 cores for the scan; memory < 800 MB;
 * p95 of search and page requests during OCR within 1.5 × idle. The machine may be shared: say so.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createContext, type AppContext } from '../src/context.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { openPublishGate } from '../src/features/catalogue/books/publish-gate.ts';
import { registerCatalogueJobs } from '../src/features/catalogue/catalogue.jobs.ts';
import { registerOcrJobs } from '../src/features/ocr/ocr.module.ts';
import { ensureSearchIndexes } from '../src/features/search/search-settings.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectSearch } from '../src/infra/search-client.ts';
import { normalisePageText } from '../src/pdf/page-text.ts';
import { PdfWorkerPool } from '../src/pdf/worker-pool.ts';
import { corpusUnavailableReason, CORPUS_DIR } from '../tests/helpers/corpus.ts';
import { startThrowawayServices } from './throwaway-services.ts';
import { wrapImages } from '../tests/helpers/image-pdf.ts';
import { makePdf } from '../tests/helpers/make-pdf.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SCAN_PAGES = arg('scan-pages', 30);
const CONCURRENCY = arg('concurrency', 2);
const DPI = arg('dpi', 300);
const SCAN_ONLY = process.argv.includes('--scan-only');
const CORPUS_BOOK = 'vi/_viet-nam-mot-thien-lich-su.pdf';
// Body pages (chapter-title pages are the hard case; tesseract can miss big display headings there).
const CORPUS_BOOK_PAGES = [40, 41, 42, 43, 44];
/** Page furniture that the page layout puts first in pdf.js's text and last in tesseract's: not text to compare. */
const WATERMARK = /^https:\/\/thuviensach\.vn$/gm;
const SCAN = 'vi/thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf';

/** Five pages of ordinary Vietnamese prose (written for this benchmark). */
const GENERATED: string[][] = [
  [
    'Làng tôi nằm bên bờ sông Hồng, nơi những bãi ngô xanh mướt trải dài đến tận chân đê.',
    'Mỗi sáng, khi sương còn phủ trắng mặt nước, các bà các mẹ đã gánh rau ra chợ huyện.',
    'Trẻ con theo sau, chân trần lội qua những vũng nước đọng sau cơn mưa đêm qua.',
    'Ông ngoại tôi kể rằng ngày xưa nơi đây chỉ là một bến đò nhỏ, vài mái nhà tranh thưa thớt.',
    'Đến nay, con đường nhựa đã chạy qua giữa làng, trường học mới được xây bằng gạch đỏ.',
  ],
  [
    'Thư viện của phường mở cửa từ bảy giờ sáng đến chín giờ tối, kể cả ngày chủ nhật.',
    'Bạn đọc có thể mượn tối đa năm cuốn sách trong hai tuần, và gia hạn thêm một lần.',
    'Những cuốn sách quý hiếm được giữ trong tủ kính, chỉ đọc tại chỗ dưới sự hướng dẫn của thủ thư.',
    'Đoàn thanh niên tổ chức câu lạc bộ đọc sách vào chiều thứ bảy hằng tuần cho học sinh.',
    'Năm nay, thư viện nhận thêm hơn hai nghìn đầu sách do các nhà hảo tâm quyên góp.',
  ],
  [
    'Mùa thu Hà Nội có hương hoa sữa nồng nàn trên những con phố nhỏ quanh Hồ Gươm.',
    'Người ta thường ngồi bên quán nước vỉa hè, nhâm nhi chén trà nóng và ngắm lá vàng rơi.',
    'Tiếng rao đêm vọng lại từ đầu ngõ, khi xa khi gần, như một phần ký ức của thành phố.',
    'Những gánh cốm làng Vòng được gói trong lá sen, thơm mùi lúa non mới gặt.',
    'Ai đã từng sống ở đây một lần, đi đâu cũng nhớ về những buổi chiều thu êm ả ấy.',
  ],
  [
    'Chủ tịch Hồ Chí Minh đọc bản Tuyên ngôn độc lập tại quảng trường Ba Đình năm một nghìn chín trăm bốn mươi lăm.',
    'Từ đó, ngày mùng hai tháng chín trở thành ngày Quốc khánh của nước Việt Nam.',
    'Học sinh các trường được nghe kể về những tấm gương anh hùng trong kháng chiến.',
    'Các cựu chiến binh thường đến thăm lớp học, kể chuyện chiến trường bằng giọng trầm ấm.',
    'Lịch sử dân tộc được giữ gìn qua từng trang sách, từng câu chuyện truyền lại cho con cháu.',
  ],
  [
    'Để giữ gìn sức khỏe, mỗi người nên tập thể dục đều đặn ít nhất ba mươi phút mỗi ngày.',
    'Bữa ăn cần có đủ rau xanh, hoa quả tươi, cá, thịt và ngũ cốc nguyên hạt.',
    'Uống đủ nước, ngủ đủ giấc và hạn chế đồ ngọt giúp cơ thể khỏe mạnh, tinh thần minh mẫn.',
    'Người cao tuổi nên đi bộ nhẹ nhàng vào buổi sáng sớm, khi không khí còn trong lành.',
    'Khám sức khỏe định kỳ giúp phát hiện sớm bệnh tật và điều trị kịp thời.',
  ],
];

interface Page {
  png: Buffer;
  width: number;
  height: number;
  truth: string;
}

async function renderPages(pool: PdfWorkerPool, file: string, pages: number[], dpi: number): Promise<Page[]> {
  const texts = new Map<number, string>();
  const wanted = new Set(pages);
  await pool.extract(file, { onPage: (n, text) => void (wanted.has(n) && texts.set(n, text)) });
  const out: Page[] = [];
  for (const n of pages) {
    const img = await pool.renderOcrImage(file, n, { dpi });
    out.push({ png: Buffer.from(img.png), width: img.width, height: img.height, truth: texts.get(n) ?? '' });
  }
  return out;
}

const fold = (s: string) => normalisePageText(s).replace(WATERMARK, '').normalize('NFC').replace(/\s+/g, ' ').trim();

function levenshtein(a: string[], b: string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Reference words recognised, in order (longest common subsequence of words / reference words). */
function wordsCorrect(truth: string[], got: string[]): number {
  let prev = new Array<number>(got.length + 1).fill(0);
  for (let i = 1; i <= truth.length; i++) {
    const cur = [0];
    for (let j = 1; j <= got.length; j++) cur[j] = truth[i - 1] === got[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    prev = cur;
  }
  return prev[got.length];
}

class Peak {
  rss = 0;
  /** Peak since mark() (the scan phase alone, without the bench's own 300-dpi page pictures). */
  phase = 0;
  mark() {
    this.phase = process.memoryUsage().rss;
  }
  private timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    this.rss = Math.max(this.rss, rss);
    this.phase = Math.max(this.phase, rss);
  }, 100);
  stop() {
    clearInterval(this.timer);
  }
}

async function intakeAndWait(
  ctx: AppContext,
  name: string,
  pdf: Buffer,
  opts: { keepPages?: number } = {},
): Promise<{ id: number; ms: number; pages: number }> {
  const tmp = await ctx.storage.tmpPath('.pdf');
  await fs.writeFile(tmp, pdf);
  const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
  const r = await ctx.services.intake.intake(
    { tmpPath: tmp, originalName: name, size: pdf.length, sha256 },
    { libraryId: (await ctx.services.libraries.defaultLibrary()).id, actorId: null },
    {
      title: name,
      editedFields: ['title'],
    },
  );
  if (r.kind !== 'created') throw new Error(`${name}: intake said ${r.kind}`);
  const id = r.bookId;
  // Ingest first; with keepPages, the librarian's "exclude pages" trims the run (the real path too).
  for (;;) {
    const b = (await ctx.repos.books.findById(id))!;
    if (b.ingest_status === 'failed') throw new Error(`${name}: ingest failed: ${b.ingest_error}`);
    if (b.ingest_status === 'indexed') break;
    await sleep(100);
  }
  const book = (await ctx.repos.books.findById(id))!;
  if (opts.keepPages && book.page_count! > opts.keepPages) {
    await ctx.services.ocr.exclude(
      id,
      Array.from({ length: book.page_count! - opts.keepPages }, (_, i) => opts.keepPages! + 1 + i),
    );
  }
  const started = performance.now();
  for (;;) {
    const p = (await ctx.services.ocr.progress(id))!;
    if (p.pending === 0 && (p.status === 'done' || p.status === 'none'))
      return { id, ms: performance.now() - started, pages: p.done + p.failed };
    await sleep(200);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function latencies(urls: string[], durationMs: number): Promise<{ p95: number; n: number }> {
  const times: number[] = [];
  const end = performance.now() + durationMs;
  await Promise.all(
    [0, 1].map(async (k) => {
      for (let i = k; performance.now() < end; i += 2) {
        const t0 = performance.now();
        const res = await fetch(urls[i % urls.length]);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${urls[i % urls.length]}: ${res.status}`);
        times.push(performance.now() - t0);
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { p95: times[Math.floor(times.length * 0.95)] ?? 0, n: times.length };
}

async function main(): Promise<void> {
  const log = createLogger('warn', { bench: 'ocr' });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-bench-ocr-'));
  await fs.chmod(tmp, 0o755);
  const stops: Array<() => Promise<void>> = [];
  const pool = new PdfWorkerPool({ size: 1 });
  const peak = new Peak();
  // Ctrl-C still stops the throwaway PostgreSQL and Meilisearch (they would outlive us otherwise).
  const interrupted = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());
  console.log(
    `bench:ocr — OCR_CONCURRENCY=${CONCURRENCY}, OCR_DPI=${DPI}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} ` + '(the machine is shared with other developers: figures vary with their load)',
  );
  try {
    const { pg, meili, masterKey } = await startThrowawayServices(tmp, log);
    stops.push(pg.stop, meili.stop);
    const config = loadConfig({
      NODE_ENV: 'production',
      STORAGE_DIR: path.join(tmp, 'storage'),
      SEARCH_INDEX_PREFIX: 'benchocr_',
      LOG_LEVEL: 'silent',
      JOBS_CONCURRENCY: '2',
      JOBS_POLL_MS: '100',
      OCR_CONCURRENCY: String(CONCURRENCY),
      OCR_DPI: String(DPI),
      UPLOAD_MAX_MB: '500',
    });
    const search = await connectSearch({ url: meili.url, masterKey, prefix: config.search.indexPrefix, log });
    const ctx = createContext({
      config,
      log: createLogger('silent'),
      databaseUrl: pg.url,
      search,
      sessionSecret: crypto.randomBytes(32).toString('hex'),
    });
    stops.push(() => ctx.close());
    await migrateToLatest(ctx.db);
    await ensureSearchIndexes(search);
    (ctx.services as { publishGate: unknown }).publishGate = openPublishGate;
    registerCatalogueJobs(ctx);
    registerOcrJobs(ctx);
    ctx.jobs.start();
    stops.push(() => ctx.jobs.stop(5000));

    // 1. Ground truth sets at 150 and 300 dpi.
    const sourceDir = path.join(tmp, 'sources');
    await fs.mkdir(sourceDir);
    const generated = path.join(sourceDir, 'generated.pdf');
    await fs.writeFile(generated, await makePdf({ pages: GENERATED.map((text) => ({ text })) }));
    const sets: Array<{ label: string; file: string; pages: number[] }> = [
      { label: 'generated (DejaVu Sans, A5)', file: generated, pages: [1, 2, 3, 4, 5] },
    ];
    const corpusSkip = corpusUnavailableReason();
    if (corpusSkip) console.log(`[corpus sets skipped] ${corpusSkip}`);
    else
      sets.push({
        label: `corpus ${CORPUS_BOOK} p. ${CORPUS_BOOK_PAGES.join(',')}`,
        file: path.join(CORPUS_DIR, CORPUS_BOOK),
        pages: CORPUS_BOOK_PAGES,
      });
    let allOk = true;
    let publishedId: number | null = null;
    for (const set of SCAN_ONLY ? [] : sets) {
      for (const dpi of [150, 300]) {
        const pages = await renderPages(pool, set.file, set.pages, dpi);
        const pdf = await wrapImages(pages, dpi);
        const r = await intakeAndWait(ctx, `${path.basename(set.file, '.pdf')}-${dpi}dpi.pdf`, pdf);
        const rows = await ctx.db
          .selectFrom('book_pages')
          .select(['page_number', 'text', 'ocr_confidence'])
          .where('book_id', '=', r.id)
          .orderBy('page_number')
          .execute();
        let edits = 0;
        let chars = 0;
        let wordsOk = 0;
        let words = 0;
        rows.forEach((row, i) => {
          const truth = [...fold(pages[i].truth)];
          const got = [...fold(row.text)];
          edits += levenshtein(truth, got);
          chars += truth.length;
          const tw = fold(pages[i].truth).split(' ');
          wordsOk += wordsCorrect(tw, fold(row.text).split(' '));
          words += tw.length;
        });
        const cer = (100 * edits) / Math.max(1, chars);
        const conf = rows.reduce((s, row) => s + (row.ocr_confidence ?? 0), 0) / Math.max(1, rows.length);
        allOk &&= cer <= 0.5;
        console.log(
          `[${set.label} @ ${dpi} dpi] ${rows.length} pages: CER ${cer.toFixed(2)} % (${edits}/${chars} chars, goal ≤ 0.5 %), ` +
            `words correct ${((100 * wordsOk) / Math.max(1, words)).toFixed(1)} % (${wordsOk}/${words}), mean confidence ${conf.toFixed(1)}, ` +
            `${((r.pages / r.ms) * 60_000).toFixed(1)} pages/min`,
        );
        if (publishedId === null) {
          await ctx.services.books.publish(r.id, { id: 0, role: 'admin' } as never);
          publishedId = r.id;
        }
      }
    }

    if (publishedId === null) {
      // --scan-only: a text book (no OCR needed) for the requests measured below.
      const r = await intakeAndWait(ctx, 'text.pdf', await fs.readFile(generated));
      await ctx.services.books.publish(r.id, { id: 0, role: 'admin' } as never);
      publishedId = r.id;
    }

    // 2. The corpus scan: speed and confidence with no ground truth, and requests while it runs.
    if (corpusSkip) {
      console.log('[corpus scan skipped] no corpus');
    } else {
      const server = createApp(ctx).listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      while ((await ctx.repos.books.findById(publishedId!))!.index_pending) await sleep(200);
      const urls = [`${base}/api/search?q=thu+vien+phuong`, `${base}/doc/${publishedId}/trang/2`, `${base}/api/search?q=mua+thu+ha+noi`];
      const idle = await latencies(urls, 8000);
      const scanPdf = await fs.readFile(path.join(CORPUS_DIR, SCAN));
      peak.mark();
      const scanRun = intakeAndWait(ctx, 'scan.pdf', scanPdf, { keepPages: SCAN_PAGES });
      // Measure while recognition runs (wait until it has started).
      for (;;) {
        const b = await ctx.db.selectFrom('books').select('ocr_status').where('title', '=', 'scan.pdf').executeTakeFirst();
        if (b?.ocr_status === 'running') break;
        await sleep(100);
      }
      const cpuBefore = process.cpuUsage();
      const busy = await latencies(urls, 8000);
      const r = await scanRun;
      const cpu = process.cpuUsage(cpuBefore);
      const cpuPerPage = (cpu.user + cpu.system) / 1e6 / Math.max(1, r.pages);
      const conf = await ctx.db
        .selectFrom('book_pages')
        .select((eb) => [eb.fn.avg<number>('ocr_confidence').as('mean'), eb.fn.min<number>('ocr_confidence').as('min')])
        .where('book_id', '=', r.id)
        .where('source', '=', 'ocr')
        .executeTakeFirstOrThrow();
      const ppm = (r.pages / r.ms) * 60_000;
      const ratio = busy.p95 / Math.max(0.001, idle.p95);
      allOk &&= ppm >= 40 && ratio <= 1.5;
      console.log(
        `[corpus scan ${SCAN}, first ${r.pages} pages] ${ppm.toFixed(1)} pages/min (goal ≥ 40), mean confidence ${Number(conf.mean).toFixed(1)} ` +
          `(lowest page ${Number(conf.min).toFixed(1)}); CPU ${cpuPerPage.toFixed(2)} core-seconds a page (whole process, incl. the ` +
          `request load and the worker threads) ⇒ ${(120 / cpuPerPage).toFixed(0)} pages/min if 2 cores were ours alone`,
      );
      console.log(
        `[requests] p95 idle ${idle.p95.toFixed(1)} ms (${idle.n} requests), during OCR ${busy.p95.toFixed(1)} ms (${busy.n}) = ${ratio.toFixed(2)} × idle (goal ≤ 1.5)`,
      );
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    peak.stop();
    const mb = peak.rss / 1024 / 1024;
    const scanMb = peak.phase / 1024 / 1024;
    allOk &&= (corpusSkip ? mb : scanMb) < 800;
    console.log(
      `[memory] peak RSS of the process (server + pdf.js + tesseract threads): ${mb.toFixed(0)} MB over the whole bench ` +
        `(incl. the bench's own renderings), ${corpusSkip ? '-' : scanMb.toFixed(0)} MB from the scan's start (goal < 800)`,
    );
    console.log(allOk ? 'bench:ocr: all goals met' : 'bench:ocr: some goals NOT met (see above)');
    process.exitCode = allOk ? 0 : 1;
  } finally {
    peak.stop();
    await pool.close();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

await main();
