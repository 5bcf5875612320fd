/**
 * Search latency through the app (`GET /api/search`) against the same query sent straight to
 * Meilisearch (the exact multi-search body the app sends, over a kept-alive node:http connection),
 * in one run, on three catalogues: REAL TEXT (the corpus' Vietnamese books with their real titles
 * and 48 passage queries cut from their pages; generated Zipf-distributed prose when the corpus is
 * absent), a corpus-sized synthetic one (25 books × 200 pages) and a 10,000-book synthetic one.
 * Budget: app p50 ≤ 1.5 × Meilisearch p50. Uses its own throwaway PostgreSQL and Meilisearch.
 * The "fetch+gzip" column is Node's fetch with its default Accept-Encoding, to show the stall the
 * search client avoids (see MEILISEARCH_REQUEST_HEADERS).
 *
 *   npm run bench:search [-- --iterations 40] [--real-only]
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
import { searchParamsSchema } from '../src/features/search/search-query.ts';
import { toBookDocument, toPageDocuments } from '../src/features/search/search-documents.ts';
import { ensureSearchIndexes, waitOk } from '../src/features/search/search-settings.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectSearch } from '../src/infra/search-client.ts';
import { httpTimer, sideBySide } from './side-by-side.ts';
import { startThrowawayServices } from './throwaway-services.ts';
import { insertPublishedBooks } from './synthetic-books.ts';
import { openPublishGate } from '../src/features/catalogue/books/publish-gate.ts';
import { registerCatalogueJobs } from '../src/features/catalogue/catalogue.jobs.ts';
import { importCorpus, passageQueries, proseGenerator } from './bench-search-text.ts';

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 30;
const realOnly = process.argv.includes('--real-only');
const WORDS = (
  'người dân đất nước lịch sử văn hóa truyện kiều nguyễn du chiến tranh thế giới hòa bình tình yêu quê hương gia đình ' +
  'thanh niên học tập lao động khoa học kỹ thuật sức khỏe y học thể thao bóng đá dòng sông cánh đồng lúa mùa xuân ' +
  'hà nội sài gòn huế đà nẵng biển đảo rừng núi cây cối chim muông bầu trời mặt trời ánh trăng ngôi sao đêm ngày ' +
  'kỹ năng sống tư tưởng đạo đức bác hồ cách mạng độc lập tự do hạnh phúc nhân dân anh hùng chiến sĩ mẹ con ông bà'
).split(' ');
const QUERIES = [
  'truyen kieu',
  'nguyen du',
  'chien tranh the gioi',
  'lich su viet nam',
  'khoa hoc ky thuat',
  'suc khoe',
  'bac ho',
  'tinh yeu que huong',
  'thanh nien hoc tap',
  'bong da',
  'mua xuan ha noi',
  'doc lap tu do hanh phuc',
  'rung nui',
  'chien si anh hung',
  'truyen kiue',
  'nguyn du',
];
const CATEGORIES = ['van-hoc-viet-nam', 'lich-su', 'khoa-hoc', 'the-thao', 'y-hoc', 'ky-nang-song'];

function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}
const sentence = (r: () => number, n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');

/** Seeds the database and both indexes; returns the pages' text (search-only: the pages are not in PostgreSQL). */
async function seed(
  ctx: AppContext,
  books: number,
  pagesPerBook: number,
  prose?: (words: number) => string,
): Promise<Array<{ bookId: number; text: string }>> {
  const texts: Array<{ bookId: number; text: string }> = [];
  const r = rng(books);
  const text = (n: number) => (prose ? prose(n) : sentence(r, n));
  const libraryId = (await ctx.services.libraries.defaultLibrary()).id;
  const cats = await ctx.db
    .selectFrom('categories')
    .select(['id', 'slug', 'name'])
    .where('library_id', '=', libraryId)
    .where('slug', 'in', CATEGORIES)
    .execute();
  const bookDocs: unknown[] = [];
  let pageDocs: unknown[] = [];
  const flushPages = async () => {
    if (pageDocs.length)
      await waitOk(ctx.search.client.index(ctx.search.indexName('pages')).addDocuments(pageDocs as never[], { primaryKey: 'id' }), 600_000);
    pageDocs = [];
  };
  for (let start = 0; start < books; start += 500) {
    const batch = Array.from({ length: Math.min(500, books - start) }, (_, i) => start + i);
    const rows = await insertPublishedBooks(
      ctx,
      libraryId,
      batch.map((i) => ({
        key: `bench-${books}-${i}`,
        title: `${text(3)} ${i}`,
        description: text(20),
        pageCount: pagesPerBook,
        year: 1950 + (i % 70),
        publishedAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
      })),
    );
    for (const book of rows) {
      const cat = cats[book.id % cats.length];
      await ctx.db.insertInto('book_categories').values({ book_id: book.id, category_id: cat.id }).execute();
      const entry = {
        book,
        authors: [{ name: `Tác giả ${book.id % 300}`, slug: `tac-gia-${book.id % 300}` }],
        categories: [{ name: cat.name, slug: cat.slug, libraryId }],
        libraryIds: [libraryId],
      };
      bookDocs.push(toBookDocument(entry));
      pageDocs.push(
        ...toPageDocuments(
          entry,
          Array.from({ length: pagesPerBook }, (_, p) => {
            const page = { page_number: p + 1, text: text(prose ? 300 : 120) };
            if (prose) texts.push({ bookId: book.id, text: page.text });
            return page;
          }),
        ),
      );
      if (pageDocs.length >= 20_000) await flushPages();
    }
  }
  await flushPages();
  await waitOk(ctx.search.client.index(ctx.search.indexName('books')).addDocuments(bookDocs as never[], { primaryKey: 'id' }), 600_000);
  return texts;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * A kept-alive node:http client, used for both sides so that neither pays for a heavier client in
 * this same process: Meilisearch gets the app's exact multi-search body (one write, uncompressed —
 * its own latency); the app is asked for gzip, as browsers do.
 */
async function measure(
  ctx: AppContext,
  appUrl: string,
  meiliUrl: string,
  apiKey: string | undefined,
  label: string,
  queries: string[],
): Promise<boolean> {
  const app: number[] = [];
  const direct: number[] = [];
  const gzip: number[] = [];
  const time = async (fn: () => Promise<Response>) => {
    const t = performance.now();
    const res = await fn();
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return performance.now() - t;
  };
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) };
  const meili = httpTimer();
  const appClient = httpTimer();
  const libraryId = (await ctx.services.libraries.defaultLibrary()).id;
  const body = (q: string) =>
    JSON.stringify({ queries: ctx.services.searchQuery.buildQueries(searchParamsSchema.parse({ q }), libraryId) });
  const timed = await sideBySide(
    queries,
    { rounds: iterations, warmup: 3 },
    (q) => appClient.run(`${appUrl}/api/search?q=${encodeURIComponent(q)}`, { headers: { 'Accept-Encoding': 'gzip' } }),
    (q) => meili.run(`${meiliUrl}/multi-search`, { method: 'POST', headers, body: body(q) }),
    // Every third round: the same request through fetch with Node's default gzip (the stall, for reference).
    async (q, round) => {
      if (round % 3 === 0) gzip.push(await time(() => fetch(`${meiliUrl}/multi-search`, { method: 'POST', headers, body: body(q) })));
    },
  );
  app.push(...timed.app);
  direct.push(...timed.direct);

  meili.close();
  appClient.close();
  const ratio = pct(app, 50) / pct(direct, 50);
  const ok = ratio <= 1.5;
  const ms = (xs: number[], p: number) => `${pct(xs, p).toFixed(2)} ms`;
  console.log(
    `${label.padEnd(40)} ${queries.length} queries × ${iterations}: app p50 ${ms(app, 50)} p95 ${ms(app, 95)} | ` +
      `Meilisearch p50 ${ms(direct, 50)} p95 ${ms(direct, 95)} | ` +
      `ratio ${ratio.toFixed(2)} (budget ≤ 1.5) ${ok ? 'OK' : 'OVER'} | fetch+gzip p50 ${ms(gzip, 50)}`,
  );
  return ok;
}

type Catalogue = { label: string; key: string; real: true } | { label: string; key: string; real: false; books: number; pages: number };

async function main(): Promise<void> {
  const log = createLogger('warn', { bench: 'search' });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-bench-search-'));
  await fs.chmod(tmp, 0o755);
  const stops: Array<() => Promise<void>> = [];
  try {
    const { pg, meili, masterKey } = await startThrowawayServices(tmp, log);
    stops.push(pg.stop, meili.stop);
    let ok = true;
    const catalogues: Catalogue[] = [{ label: 'REAL TEXT', key: 'real', real: true }];
    if (!realOnly)
      catalogues.push(
        { label: 'corpus-sized (25 books × 200 pages)', key: 'b25', real: false, books: 25, pages: 200 },
        { label: 'synthetic (10,000 books × 5 pages)', key: 'b10000', real: false, books: 10_000, pages: 5 },
      );
    for (const cat of catalogues) {
      const prefix = `bench_${cat.key}_`;
      const config = loadConfig({
        NODE_ENV: 'production',
        STORAGE_DIR: path.join(tmp, `storage-${cat.key}`),
        SEARCH_INDEX_PREFIX: prefix,
        LOG_LEVEL: 'silent',
        JOBS_CONCURRENCY: cat.real ? '2' : '0',
      });
      const search = await connectSearch({ url: meili.url, masterKey, prefix, log });
      const dbUrl = new URL(pg.url);
      const admin = new (await import('pg')).default.Client({ connectionString: pg.url });
      await admin.connect();
      await admin.query(`create database bench_${cat.key}`);
      await admin.end();
      dbUrl.pathname = `/bench_${cat.key}`;
      const ctx = createContext({
        config,
        log: createLogger('silent'),
        databaseUrl: dbUrl.toString(),
        search,
        sessionSecret: crypto.randomBytes(32).toString('hex'),
        // Consent rules are not what is measured: every imported book may be published.
        publishGate: openPublishGate,
      });
      await migrateToLatest(ctx.db);
      await ensureSearchIndexes(search);
      const t0 = performance.now();
      let label = cat.label;
      let queries = QUERIES;
      if (cat.real) {
        registerCatalogueJobs(ctx, { search: true });
        ctx.jobs.start();
        const imported = await importCorpus(ctx);
        let pages: Array<{ bookId: number; text: string }>;
        if (imported) {
          label = `real text: corpus, ${imported.books} books, ${imported.pages} pages`;
          pages = await ctx.db
            .selectFrom('book_pages')
            .select(['book_id as bookId', 'text'])
            .orderBy('book_id')
            .orderBy('page_number')
            .execute();
        } else {
          pages = await seed(ctx, 25, 150, proseGenerator(7));
          label = 'real text: generated prose, 25 × 150 pages';
        }
        await ctx.jobs.stop(10_000);
        queries = passageQueries(pages);
      } else await seed(ctx, cat.books, cat.pages);
      console.log(`[bench:search] ${label}: imported and indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (cat.real) console.log(`[bench:search] queries: ${queries.map((q) => JSON.stringify(q)).join(' ')}`);
      const server = createApp(ctx).listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const apiKey = (search.client.config as { apiKey?: string }).apiKey;
      ok = (await measure(ctx, appUrl, meili.url, apiKey, label, queries)) && ok;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ctx.close();
    }
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

await main();
