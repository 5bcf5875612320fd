import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { signInAs } from '../../helpers/auth.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';
import { CORPUS, corpusFile } from './pdf-fixtures.ts';
import { countDocs, drainJobs } from './support.ts';

/**
 * Kill the process that is ingesting a book (SIGKILL, as a crash or power cut would), then let
 * another runner take the job over when its lease expires: the book completes with every page
 * exactly once in PostgreSQL and in the pages index.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
let env: TestEnv;
let child: ChildProcess | null = null;

beforeAll(async () => {
  env = await createTestEnv({ jobs: { leaseMs: 1500, backoffBaseMs: 50 }, publishGate: openPublishGate });
  registerCatalogueJobs(env.ctx);
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await env.cleanup();
});

function startChild(): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'ingest-child.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      TEST_DATABASE_URL: env.databaseUrl,
      STORAGE_DIR: env.config.storageDir,
      SEARCH_INDEX_PREFIX: env.config.search.indexPrefix,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliMasterKey'),
      JOBS_CONCURRENCY: '1',
      JOBS_POLL_MS: '100',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    p.stdout!.once('data', () => resolve(p));
    p.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

describe('restart in the middle of an ingest', () => {
  it('completes after the ingesting process is killed, without duplicate pages or index documents', async () => {
    const { agent, csrf } = await signInAs(env.app, env.ctx, 'librarian');
    const pdf = CORPUS
      ? await fs.readFile(corpusFile('vi/_viet-su-toan-thu.pdf'))
      : tinyPdf({ title: 'Sách dài', pages: Array.from({ length: 400 }, (_, i) => `Trang so ${i + 1}: noi dung kiem thu khoi dong lai.`) });
    const res = await agent
      .post(`/admin/books/upload`)
      .field('_csrf', csrf)
      .set('Accept', 'application/json')
      .attach('files', pdf, 'sach-dai.pdf')
      .expect(200);
    const id: number = res.body.results[0].bookId;
    // First ingest here, publish, so the pages index holds the book.
    await drainJobs(env.ctx);
    const first = (await env.ctx.repos.books.findById(id))!;
    expect(first.ingest_status).toBe('indexed');
    const pageCount = first.page_count!;
    await env.ctx.services.books.publish(id, null);
    await drainJobs(env.ctx);
    const docsBefore = await countDocs(env.ctx, 'pages', `bookId = ${id}`);
    expect(docsBefore).toBeGreaterThan(0);

    // Re-ingest in another process and kill it half-way.
    await env.ctx.services.books.reingest(id);
    child = await startChild();
    let progress = 0;
    // The child's start-up (tsx, a pdf.js worker) takes minutes on a loaded 2-core machine: a deadline, not a count.
    const deadline = Date.now() + 180_000;
    while (progress < 50 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const b = (await env.ctx.repos.books.findById(id))!;
      progress = b.ingest_status === 'extracting' ? b.ingest_progress : 0;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = null;
    const killed = (await env.ctx.repos.books.findById(id))!;
    console.log(`[measure] killed the ingesting process at page ${killed.ingest_progress} of ${pageCount}`);
    expect(killed.ingest_status).toBe('extracting');
    expect(killed.ingest_progress).toBeGreaterThan(0);
    expect(killed.ingest_progress).toBeLessThan(pageCount);

    // The lease (1.5 s) runs out; this process takes the job over and finishes it. Polled rather than
    // slept: when the lease expires is the database's clock, and a busy machine may be late.
    await expect
      .poll(
        async () => {
          await drainJobs(env.ctx);
          return (await env.ctx.repos.books.findById(id))!.ingest_status;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe('indexed');
    const done = (await env.ctx.repos.books.findById(id))!;
    expect(done.ingest_status).toBe('indexed');
    expect(done.page_count).toBe(pageCount);
    expect(await env.ctx.repos.bookPages.stats(id)).toEqual({ pages: pageCount, distinct: pageCount, maxPage: pageCount });
    const jobs = await env.ctx.repos.jobs.list({ limit: 50 });
    const ingestJobs = jobs.filter((j) => j.type === 'catalogue.ingest' && (j.payload as { bookId: number }).bookId === id);
    expect(ingestJobs.map((j) => j.status).sort()).toEqual(['succeeded', 'succeeded']);
    expect(Math.max(...ingestJobs.map((j) => j.attempts))).toBe(2); // the killed attempt + the one that finished
    expect(await countDocs(env.ctx, 'pages', `bookId = ${id}`)).toBe(docsBefore);
    expect(await countDocs(env.ctx, 'books', `id = ${id}`)).toBe(1);
  }, 300_000);
});
