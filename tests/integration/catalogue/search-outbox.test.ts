import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { startEmbeddedMeilisearch, type EmbeddedMeilisearch } from '../../../src/infra/embedded-meilisearch.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { freePort } from '../../helpers/free-port.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { countDocs, drainJobs, searchBooks, seedPublishedBook } from './support.ts';

/**
 * The search outbox against a Meilisearch of our own that the test stops and restarts:
 * changes made while it is down are not lost, and catch up once it answers again.
 */
let env: TestEnv;
let meili: EmbeddedMeilisearch;
let dir: string;
let port: number;
const masterKey = crypto.randomBytes(24).toString('hex');
const log = createLogger('silent');

const startMeili = () => startEmbeddedMeilisearch({ baseDir: path.join(dir, 'meili'), storageDir: dir, port, masterKey, log });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-outbox-'));
  port = await freePort();
  meili = await startMeili();
  // Long retry backoff: only the catch-up (not the backoff running out) can bring the jobs back quickly.
  env = await createTestEnv({
    search: { url: meili.url, masterKey },
    jobs: { leaseMs: 2000, backoffBaseMs: 600_000 },
    publishGate: openPublishGate,
  });
  registerCatalogueJobs(env.ctx);
});
afterAll(async () => {
  await env.cleanup();
  await meili.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('search outbox', () => {
  it('keeps changes made while Meilisearch is down and catches up after it restarts', async () => {
    const ctx = env.ctx;
    const a = await seedPublishedBook(ctx, {
      title: 'Số đỏ',
      authors: ['Vũ Trọng Phụng'],
      pages: ['Xuân Tóc Đỏ nhặt bóng ở sân quần vợt.'],
    });
    const b = await seedPublishedBook(ctx, {
      title: 'Tắt đèn',
      authors: ['Ngô Tất Tố'],
      pages: ['Chị Dậu bán con, bán chó.', 'Trang hai.'],
    });
    await drainJobs(ctx);
    expect(await searchBooks(ctx, 'so do')).toEqual([a]);

    await meili.stop();
    const withdrawn = await ctx.services.books.withdraw(a, null, 'thử nghiệm');
    expect(withdrawn.removedInMs).toBeNull(); // could not remove now: left to the outbox
    await ctx.services.books.updateMetadata(b, {
      title: 'Tắt đèn (tái bản)',
      authors: ['Ngô Tất Tố'],
      description: '',
      language: 'vi',
      publicationYear: 1939,
      publisher: null,
      isbn: null,
      categoryIds: [],
      tags: [],
    });
    await drainJobs(ctx); // the sync jobs fail and are scheduled for a retry
    const pendingWhileDown = (await ctx.repos.books.indexPendingIds(10)).map((r) => r.id).sort();
    expect(pendingWhileDown).toEqual([a, b].sort());
    // Only the sync jobs: other queued work (pictures rendered ahead when books are published) is not search's.
    const syncJobs = (await ctx.repos.jobs.list({ status: 'queued', limit: 20 })).filter((j) => j.type === 'search.sync-book');
    expect(syncJobs.length).toBe(2);
    expect(syncJobs.every((j) => j.last_error)).toBe(true);

    meili = await startMeili();
    // The restarted server still has the withdrawn book: only the outbox can remove it.
    expect(await countDocs(ctx, 'books', `id = ${a}`)).toBe(1);
    const caught = await ctx.services.searchIndexer.catchUp();
    expect(caught).toEqual({ expedited: 2, enqueued: 0 });
    await drainJobs(ctx);
    expect(await countDocs(ctx, 'books', `id = ${a}`)).toBe(0);
    expect(await countDocs(ctx, 'pages', `bookId = ${a}`)).toBe(0);
    const docB = await ctx.search.client.index(ctx.search.indexName('books')).getDocument(b);
    expect(docB.title).toBe('Tắt đèn (tái bản)');
    expect(docB.year).toBe(1939);
    expect(await ctx.repos.books.indexPendingIds(10)).toEqual([]);
  });

  it('re-queues a book whose change raced a finishing job (pending flag without a job)', async () => {
    const ctx = env.ctx;
    const c = await seedPublishedBook(ctx, { title: 'Chí Phèo', pages: ['Hắn vừa đi vừa chửi.'] });
    await drainJobs(ctx);
    // Simulate the race: the flag is set, but no job is queued.
    await ctx.db.transaction().execute((trx) => ctx.repos.books.markIndexPending(trx, [c]));
    expect((await ctx.services.searchIndexer.catchUp()).enqueued).toBe(1);
    await drainJobs(ctx);
    expect(await ctx.repos.books.indexPendingIds(10)).toEqual([]);
  });

  it('npm run reindex rebuilds both indexes from PostgreSQL (swap, published books only)', async () => {
    const ctx = env.ctx;
    await ctx.search.client.deleteIndex(ctx.search.indexName('books')).waitTask();
    await ctx.search.client.deleteIndex(ctx.search.indexName('pages')).waitTask();
    // Settings are cached per process once applied; the rebuild must recreate indexes with them.
    const r = await ctx.services.searchIndexer.rebuild();
    expect(r.books).toBe(2); // "Tắt đèn" and "Chí Phèo"; "Số đỏ" is withdrawn
    expect(await countDocs(ctx, 'books', 'id > 0')).toBe(2);
    expect(await countDocs(ctx, 'pages', 'bookId > 0')).toBe(3);
    const settings = await ctx.search.client.index(ctx.search.indexName('pages')).getFilterableAttributes();
    expect(settings).toEqual(expect.arrayContaining(['bookId', 'categoryKeys', 'language']));
    expect(await searchBooks(ctx, 'chi pheo')).toHaveLength(1);
  });
});
