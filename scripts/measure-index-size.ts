/**
 * Sizes behind docs/scale.md: imports the corpus' Vietnamese books the way a library does (pdf.js
 * extraction, publish, search outbox), then prints what one page and one book cost in PostgreSQL
 * (`book_pages`) and in Meilisearch (documents, index size on disk, server memory), and how fast
 * Meilisearch indexes page documents on this machine. To see how the index grows, the same pages
 * are then written again `--copies` times (default 8) into a separate index under new book ids.
 * Last, `--events` (default 500,000) statistics events of bench:stats' mix go into a database of
 * their own and are rolled up: bytes per raw event and per event in the roll-ups.
 * Uses its own throwaway PostgreSQL and Meilisearch, stopped and removed at the end; Meilisearch
 * reads its own environment variables, e.g. MEILI_MAX_INDEXING_MEMORY=512Mb to cap its indexer.
 *
 *   node --import tsx scripts/measure-index-size.ts [--copies 8] [--events 500000]
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Meilisearch } from 'meilisearch';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { openPublishGate } from '../src/features/catalogue/books/publish-gate.ts';
import { registerCatalogueJobs } from '../src/features/catalogue/catalogue.jobs.ts';
import { pageDocumentId, searchableText, type PageDocument } from '../src/features/search/search-documents.ts';
import { ensureIndex, ensureSearchIndexes, waitOk } from '../src/features/search/search-settings.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectSearch, MEILISEARCH_REQUEST_HEADERS } from '../src/infra/search-client.ts';
import { importCorpus } from './bench-search-text.ts';
import { seed } from './bench-stats.ts';
import { startThrowawayServices } from './throwaway-services.ts';

const copiesArg = process.argv.indexOf('--copies');
const copies = copiesArg > 0 ? Number(process.argv[copiesArg + 1]) : 8;
const eventsArg = process.argv.indexOf('--events');
const eventCount = eventsArg > 0 ? Number(process.argv[eventsArg + 1]) : 500_000;
const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

/** Resident and peak memory of a process, from /proc (Linux). */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number; anon: number; file: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await fs.stat(path.join(e.parentPath, e.name))).blocks * 512;
  }
  return total;
}

async function main(): Promise<void> {
  const log = createLogger('warn', { bench: 'measure-index-size' });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-measure-'));
  await fs.chmod(tmp, 0o755);
  const stops: Array<() => Promise<void>> = [];
  try {
    const { pg, meili, masterKey } = await startThrowawayServices(tmp, log);
    // Stopped in reverse: the app's connections, then Meilisearch, then PostgreSQL.
    stops.push(pg.stop, meili.stop);
    const prefix = 'measure_';
    const config = loadConfig({
      NODE_ENV: 'production',
      STORAGE_DIR: path.join(tmp, 'storage'),
      SEARCH_INDEX_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      JOBS_CONCURRENCY: '2',
      OCR_ENABLED: 'false',
    });
    const search = await connectSearch({ url: meili.url, masterKey, prefix, log });
    const ctx = createContext({
      config,
      log: createLogger('silent'),
      databaseUrl: pg.url,
      search,
      sessionSecret: crypto.randomBytes(32).toString('hex'),
      publishGate: openPublishGate,
    });
    stops.push(() => ctx.close());
    await migrateToLatest(ctx.db);
    await ensureSearchIndexes(search);
    const admin = new Meilisearch({ host: meili.url, apiKey: masterKey, requestInit: { headers: MEILISEARCH_REQUEST_HEADERS } });
    const report = async (label: string) => {
      const s = await admin.getStats();
      const mem = await memoryOf(meili.pid);
      const disk = await du(path.join(tmp, 'meilisearch'));
      console.log(
        `[measure] Meilisearch ${label}: database ${mb(s.databaseSize)} (used ${mb(s.usedDatabaseSize)}), on disk ${mb(disk)}, RSS ${mb(mem.rss)} (anonymous ${mb(mem.anon)}, file-backed ${mb(mem.file)}; peak ${mb(mem.hwm)})`,
      );
      for (const [uid, st] of Object.entries(s.indexes)) {
        console.log(
          `[measure]   ${uid}: ${st.numberOfDocuments} documents, raw documents ${mb(st.rawDocumentDbSize)}, avg document ${st.avgDocumentSize} B`,
        );
      }
      return s;
    };
    await report('empty');
    registerCatalogueJobs(ctx, { search: true });
    ctx.jobs.start();
    const t0 = performance.now();
    const imported = await importCorpus(ctx);
    await ctx.jobs.stop(10_000);
    if (!imported) {
      console.log('[measure] the corpus is absent: nothing to measure');
      return;
    }
    console.log(
      `[measure] corpus: ${imported.books} books imported, extracted and indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const pgRow = (
      await sql<Record<string, string>>`
        select (select count(*) from book_pages) as pages,
          (select count(*) from book_pages where text <> '') as pages_with_text,
          (select sum(octet_length(text)) from book_pages) as text_bytes,
          (select sum(size_bytes) from book_files) as pdf_bytes,
          pg_total_relation_size('book_pages') as book_pages_total,
          pg_relation_size('book_pages') as book_pages_heap,
          pg_indexes_size('book_pages') as book_pages_indexes`.execute(ctx.db)
    ).rows[0];
    const n = (k: string) => Number(pgRow[k] ?? 0);
    const pages = n('pages');
    console.log(
      `[measure] PostgreSQL book_pages: ${pages} pages (${n('pages_with_text')} with text), text ${mb(n('text_bytes'))} ` +
        `(${Math.round(n('text_bytes') / pages)} B/page UTF-8), table+TOAST+indexes ${mb(n('book_pages_total'))} ` +
        `(${Math.round(n('book_pages_total') / pages)} B/page; heap ${mb(n('book_pages_heap'))}, indexes ${mb(n('book_pages_indexes'))}); ` +
        `PDFs ${mb(n('pdf_bytes'))} (${Math.round(n('pdf_bytes') / pages)} B/page)`,
    );

    await report('after the corpus');

    // The same pages again under new book ids, into an index of their own: growth and indexing speed.
    const rows = await ctx.db
      .selectFrom('book_pages')
      .innerJoin('books', 'books.id', 'book_pages.book_id')
      .select(['book_pages.book_id', 'book_pages.page_number', 'book_pages.text', 'books.title', 'books.language'])
      .where('book_pages.text', '<>', '')
      .execute();
    const uid = `${prefix}pages_copies`;
    await ensureIndex(search, uid, 'pages');
    const index = search.client.index<PageDocument>(uid);
    const t1 = performance.now();
    let docs = 0;
    for (let c = 1; c <= copies; c++) {
      const batch: PageDocument[] = rows.map((r) => {
        const text = r.text.normalize('NFC').trim();
        const bookId = Number(r.book_id) + c * 1_000_000;
        return {
          library_ids: [1],
          id: pageDocumentId(bookId, r.page_number),
          bookId,
          pageNumber: r.page_number,
          text: searchableText(text),
          display: text,
          title: r.title,
          categoryKeys: [],
          language: r.language,
        };
      });
      for (let i = 0; i < batch.length; i += 1000) await waitOk(index.addDocuments(batch.slice(i, i + 1000)), 600_000);
      docs += batch.length;
    }
    const secs = (performance.now() - t1) / 1000;
    console.log(
      `[measure] indexed ${docs} page documents (${copies} copies) in ${secs.toFixed(1)} s = ${Math.round(docs / secs)} documents/s`,
    );
    await report(`after ${copies} more copies`);

    if (eventCount > 0) await measureEvents(pg.url, config, eventCount);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Bytes per statistics event, raw and rolled up, in a database of its own (bench:stats' seed and mix). */
async function measureEvents(adminUrl: string, config: ReturnType<typeof loadConfig>, events: number): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('create database measure_events');
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = '/measure_events';
  const search = await connectSearch({ url: 'http://127.0.0.1:1', prefix: 'unused_', log: createLogger('silent') });
  const ctx = createContext({
    config,
    log: createLogger('silent'),
    databaseUrl: url.toString(),
    search,
    sessionSecret: crypto.randomBytes(32).toString('hex'),
  });
  try {
    await migrateToLatest(ctx.db);
    await seed(ctx, events);
    const size = async (table: string) =>
      Number((await sql<{ b: string }>`select pg_total_relation_size(${table}::regclass) as b`.execute(ctx.db)).rows[0].b);
    const raw = await size('stats_events');
    console.log(`[measure] stats_events: ${events} events = ${mb(raw)} with its index (${Math.round(raw / events)} B/event)`);
    const t = performance.now();
    await ctx.services.rollup.run();
    const secs = (performance.now() - t) / 1000;
    const tables = [
      'stats_hourly',
      'stats_daily',
      'stats_daily_books',
      'stats_daily_searches',
      'stats_monthly_books',
      'stats_monthly_searches',
      'stats_daily_visitors',
    ];
    let total = 0;
    const parts: string[] = [];
    for (const table of tables) {
      const b = await size(table);
      total += b;
      parts.push(`${table} ${mb(b)}`);
    }
    console.log(
      `[measure] roll-up of ${events} events in ${secs.toFixed(1)} s (${Math.round(events / secs)} events/s): ${mb(total)} ` +
        `(${Math.round(total / events)} B/event; ${parts.join(', ')})`,
    );
  } finally {
    await ctx.close();
  }
}

await main();
