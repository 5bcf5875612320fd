import crypto from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createContext, type AppContext } from '../../../src/context.ts';
import { TTL_MS } from '../../../src/features/search/visible-books.ts';
import { createBook, pagesWith, withdrawBook, type FixtureBook } from '../../helpers/books.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * Search hits are checked against the database's published books, remembered for at most TTL_MS
 * (visible-books.ts) instead of asked on every search. Several app instances share one database:
 * a book withdrawn through one of them must be gone from the other's searches within 2 s, also
 * while the index still holds it (its delete queued behind other Meilisearch tasks).
 */
let env: TestEnv;
let other: { ctx: AppContext; app: ReturnType<typeof createApp> };
let book: FixtureBook;
let lagging: FixtureBook;

const bookIds = async (app: ReturnType<typeof createApp>, q: string) =>
  ((await request(app).get('/api/search').query({ q }).expect(200)).body as { books: Array<{ id: number }> }).books.map((b) => b.id);
const indexHolds = async (id: number) =>
  (await env.ctx.search.client.index(env.ctx.search.indexName('books')).search('', { filter: [`id = ${id}`] })).hits.length === 1;

beforeAll(async () => {
  env = await createTestEnv();
  book = await createBook(env.ctx, { title: 'Hoa sen trắng giữa đầm', pages: pagesWith(2) });
  lagging = await createBook(env.ctx, { title: 'Chim vành khuyên hót sớm', pages: pagesWith(2) });
  // A second app instance on the same database and Meilisearch (as behind a load balancer).
  const ctx = createContext({
    config: env.config,
    log: env.ctx.log,
    databaseUrl: env.databaseUrl,
    search: env.ctx.search,
    sessionSecret: crypto.randomBytes(32).toString('hex'),
  });
  other = { ctx, app: createApp(ctx) };
});
afterAll(async () => {
  await other?.ctx.close();
  await env.cleanup();
});

describe('withdrawn books leave search on every instance within 2 s', () => {
  it('hides a book withdrawn elsewhere whose index entry is still there, within the TTL', async () => {
    expect(TTL_MS).toBeLessThanOrEqual(1000);
    // Both instances have just seen it published (their memory is warm).
    expect(await bookIds(other.app, 'chim vanh khuyen')).toContain(lagging.id);
    expect(await bookIds(env.app, 'chim vanh khuyen')).toContain(lagging.id);
    // Withdrawn straight in the database, index untouched: only the database knows.
    const t0 = performance.now();
    await withdrawBook(env.ctx, lagging.id, { keepInIndex: true });
    expect(await indexHolds(lagging.id)).toBe(true);
    let hiddenAfter = Infinity;
    while (performance.now() - t0 < 5000) {
      if (!(await bookIds(other.app, 'chim vanh khuyen')).includes(lagging.id)) {
        hiddenAfter = performance.now() - t0;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(hiddenAfter).toBeLessThan(2000);
    expect(await indexHolds(lagging.id)).toBe(true); // still indexed: the database check hid it
    // The first instance learnt it from the database too (the change bypassed its services).
    await expect
      .poll(() => bookIds(env.app, 'chim vanh khuyen'), { timeout: 2000 - (performance.now() - t0), interval: 25 })
      .not.toContain(lagging.id);
  });

  it('hides a book withdrawn through the catalogue on both instances as soon as the withdrawal returns', async () => {
    expect(await bookIds(other.app, 'hoa sen trang')).toContain(book.id);
    expect(await bookIds(env.app, 'hoa sen trang')).toContain(book.id);
    await withdrawBook(env.ctx, book.id); // BooksService: the database, then the index entries, before it returns
    expect(await bookIds(env.app, 'hoa sen trang')).not.toContain(book.id);
    expect(await bookIds(other.app, 'hoa sen trang')).not.toContain(book.id);
  });
});
