/**
 * npm run bench:scale — one app instance against two, on loopback, with throw-away services.
 *
 * Real instances (`node --import tsx src/main.ts`, the `npm start` entry point) share one
 * PostgreSQL, one Meilisearch and one storage folder, as behind a reverse proxy. The load
 * generator here plays the proxy: its connections are spread round-robin over the instances'
 * ports. Two workloads, each for a fixed time after a warm-up:
 *   - scans:    GET /q/:code (a poster's QR code; every request a new phone, no cookie)
 *   - searches: GET /api/search?q=… (Vietnamese queries, without diacritics, over 300 books)
 * For each: requests/s, p50 and p95 latency, errors. Scans are also checked: after both instances
 * stopped gracefully, the stored scan events equal the 302 answers received.
 *
 * Options: BENCH_SECONDS per measurement (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 32).
 * Mind the machine: with two cores, the instances, PostgreSQL, Meilisearch and this load generator
 * share them, so a second instance cannot double anything here; on a real deployment each instance
 * has its own cores.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { createContext, type AppContext } from '../src/context.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { toBookDocument, toPageDocuments } from '../src/features/search/search-documents.ts';
import { ensureSearchIndexes, waitOk } from '../src/features/search/search-settings.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectSearch } from '../src/infra/search-client.ts';
import { startInstance, stopInstance, waitReady, type AppInstance } from '../tests/helpers/app-instances.ts';
import { startThrowawayServices } from './throwaway-services.ts';
import { insertPublishedBooks } from './synthetic-books.ts';

const SECONDS = Number(process.env.BENCH_SECONDS) || 5;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS) || 32;
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const WORDS = (
  'người dân đất nước lịch sử văn hóa truyện kiều nguyễn du chiến tranh thế giới hòa bình tình yêu quê hương gia đình ' +
  'thanh niên học tập lao động khoa học kỹ thuật sức khỏe y học thể thao bóng đá dòng sông cánh đồng lúa mùa xuân'
).split(' ');
const QUERIES = ['truyen kieu', 'nguyen du', 'lich su', 'khoa hoc ky thuat', 'suc khoe', 'que huong', 'thanh nien', 'mua xuan'];

interface Result {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p95: number;
  expected: number;
}

/** Keeps `CONNECTIONS` requests in flight for `seconds`, connection i on target i mod n. */
async function load(ports: number[], pathFor: (i: number) => string, expect: number, seconds: number): Promise<Result> {
  const agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: Math.ceil(CONNECTIONS / ports.length) }));
  const latencies: number[] = [];
  let errors = 0;
  let expected = 0;
  let n = 0;
  const until = performance.now() + seconds * 1000;
  const one = (target: number) =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port: ports[target], path: pathFor(n++), agent: agents[target], headers: { 'user-agent': PHONE_UA } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t);
            if (res.statusCode === expect) expected++;
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      while (performance.now() < until) await one(c % ports.length);
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const a of agents) a.destroy();
  latencies.sort((x, y) => x - y);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors, perSecond: latencies.length / elapsed, p50: at(50), p95: at(95), expected };
}

/** 300 published books (5 pages each) in PostgreSQL and both indexes, and one poster location. */
async function seed(ctx: AppContext): Promise<string> {
  let s = 7;
  const r = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
  await ensureSearchIndexes(ctx.search);
  const libraryId = (await ctx.services.libraries.defaultLibrary()).id;
  const books = await insertPublishedBooks(
    ctx,
    libraryId,
    Array.from({ length: 300 }, (_, i) => ({
      key: `scale-${i}`,
      title: `${text(3)} ${i}`,
      description: text(20),
      pageCount: 5,
      year: 1950 + (i % 70),
      publishedAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
    })),
  );
  const entries = books.map((book) => ({
    book,
    authors: [{ name: `Tác giả ${book.id % 40}`, slug: `tac-gia-${book.id % 40}` }],
    categories: [],
    libraryIds: [libraryId],
  }));
  const pages = entries.flatMap((e) =>
    toPageDocuments(
      e,
      Array.from({ length: 5 }, (_, p) => ({ page_number: p + 1, text: text(150) })),
    ),
  );
  await waitOk(ctx.search.client.index(ctx.search.indexName('books')).addDocuments(entries.map(toBookDocument) as never[]), 600_000);
  await waitOk(ctx.search.client.index(ctx.search.indexName('pages')).addDocuments(pages as never[]), 600_000);
  const loc = await ctx.services.locations.create(libraryId, {
    name: 'Điểm đọc sách khu phố 1',
    kind: 'community_house',
    address: '1 Lê Lợi',
    ward: 'Phường Bến Nghé',
    note: null,
    contact: null,
  });
  return loc.code;
}

const fmt = (r: Result) =>
  `${r.perSecond.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p95 ${r.p95.toFixed(1).padStart(6)} ms  ` +
  `(${r.requests} requests, ${r.errors} errors)`;

async function main(): Promise<void> {
  const log = createLogger('warn', { bench: 'scale' });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-bench-scale-'));
  await fs.chmod(tmp, 0o755);
  const services = await startThrowawayServices(tmp, log);
  const instances: AppInstance[] = [];
  let ctx: AppContext | undefined;
  try {
    const admin = new pg.Client({ connectionString: services.pg.url });
    await admin.connect();
    await admin.query('create database bench_scale');
    await admin.end();
    const url = new URL(services.pg.url);
    url.pathname = '/bench_scale';
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url.toString(),
      MEILI_URL: services.meili.url,
      MEILI_MASTER_KEY: services.masterKey,
      SEARCH_INDEX_PREFIX: 'scale_',
      STORAGE_DIR: path.join(tmp, 'storage'),
      SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
      OCR_ENABLED: 'false',
    };
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
    const search = await connectSearch({ url: services.meili.url, masterKey: services.masterKey, prefix: 'scale_', log });
    ctx = createContext({ config, log, databaseUrl: env.DATABASE_URL, search, sessionSecret: env.SESSION_SECRET });
    await migrateToLatest(ctx.db);
    const code = await seed(ctx);
    console.log(
      `bench:scale — ${os.cpus().length} CPU(s), load average ${os.loadavg()[0].toFixed(1)}; ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s`,
    );

    const startOne = async (name: string) => {
      const inst = await startInstance(env, name);
      instances.push(inst);
      await waitReady(inst);
      return inst;
    };
    const scan = () => `/q/${code}`;
    const searchPath = (i: number) => `/api/search?q=${encodeURIComponent(QUERIES[i % QUERIES.length])}`;
    let answered = 0; // every 302 from /q/:code, warm-ups included
    const measure = async (workload: 'scans' | 'searches', ports: number[], seconds: number) => {
      const r = workload === 'scans' ? await load(ports, scan, 302, seconds) : await load(ports, searchPath, 200, seconds);
      if (workload === 'scans') answered += r.expected;
      return r;
    };

    // Both instances run throughout; "one instance" sends everything to A. The two set-ups take
    // turns, round after round (order swapped each round), so that the machine's drifting load
    // (other work on a shared VM) weighs on both alike; the median round of each is reported.
    const [a, b] = await Promise.all([startOne('instance A'), startOne('instance B')]);
    const setups = { '1 instance ': [a.port], '2 instances': [a.port, b.port] };
    for (const ports of Object.values(setups)) for (const w of ['scans', 'searches'] as const) await measure(w, ports, 1); // warm-up
    const results: Record<string, Record<'scans' | 'searches', Result[]>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const order = Object.entries(setups);
      if (round % 2) order.reverse();
      for (const [label, ports] of order) {
        results[label] ??= { scans: [], searches: [] };
        for (const w of ['scans', 'searches'] as const) results[label][w].push(await measure(w, ports, SECONDS));
      }
    }
    const median = (rs: Result[]) => [...rs].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(rs.length / 2)];
    for (const w of ['scans', 'searches'] as const) {
      for (const label of Object.keys(setups)) {
        const rs = results[label][w];
        console.log(`${label}  ${w.padEnd(8)} ${fmt(median(rs))}  [rounds: ${rs.map((r) => r.perSecond.toFixed(0)).join(', ')}/s]`);
      }
    }
    const ratio = (w: 'scans' | 'searches') =>
      (median(results['2 instances'][w]).perSecond / median(results['1 instance '][w]).perSecond).toFixed(2);
    console.log(`two vs one (median rounds): scans ×${ratio('scans')}, searches ×${ratio('searches')}`);

    // Every answered scan was counted once: stop both (graceful: buffers written), then count.
    await Promise.all(instances.map((i) => stopInstance(i)));
    const stored = await ctx.db
      .selectFrom('stats_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'scan')
      .executeTakeFirstOrThrow();
    const ok = Number(stored.n) === answered;
    console.log(`scan events stored after a graceful stop of both: ${Number(stored.n)} of ${answered} answered${ok ? '' : '  ← MISMATCH'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await ctx?.close().catch(() => undefined);
    await services.meili.stop();
    await services.pg.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
