import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagePictures } from '../../../src/features/reader/page-pictures.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * The page-picture cache of two app instances on one storage folder (two PagePictures on the same
 * folder, rendering through the same PDF workers): each sees what the other wrote and removed, and
 * the disk budget is kept for the folder, not per instance.
 */
let env: TestEnv;
let book: FixtureBook;
beforeAll(async () => {
  env = await createTestEnv();
  book = await createBook(env.ctx, { title: 'Sách của hai máy chủ', pages: pagesWith(5) });
});
afterAll(() => env.cleanup());

const instance = (maxBytes = 1e9) =>
  new PagePictures({ storage: env.ctx.storage, pdf: () => env.ctx.services.pdf.get(), log: env.ctx.log, maxBytes });
const key = () => `${book.sha256}.pdf`;

describe('page pictures shared by two instances', () => {
  it('a picture removed by one instance (withdrawn book) is rendered again by the other, never served missing', async () => {
    const [a, b] = [instance(), instance()];
    const file = await a.picture(book.id, key(), 1, 480);
    expect(await b.picture(book.id, key(), 1, 480)).toBe(file); // B adopts A's file
    await a.removeBook(book.id); // e.g. withdrawn on A
    await expect(fs.stat(file)).rejects.toThrow();
    const again = await b.picture(book.id, key(), 1, 480); // B's index still listed it
    expect((await fs.stat(again)).size).toBeGreaterThan(100);
  });

  it("keeps the folder's budget: an instance evicting counts the pictures the other one wrote", async () => {
    const folder = env.ctx.storage.path('pages', String(book.id));
    const folderBytes = async () => {
      let bytes = 0;
      for (const f of await fs.readdir(folder)) bytes += (await fs.stat(`${folder}/${f}`)).size;
      return bytes;
    };
    // What the five pages weigh (pictures and layouts), then a budget the two halves fit in but the whole does not.
    await env.ctx.storage.remove('pages', String(book.id));
    const probe = instance();
    for (const n of [1, 2, 3, 4, 5]) await probe.picture(book.id, key(), n, 720);
    const whole = await folderBytes();
    await env.ctx.storage.remove('pages', String(book.id));
    const budget = Math.round(whole * 0.8);
    const [a, b] = [instance(budget), instance(budget)];
    await Promise.all([a.usedBytes(), b.usedBytes()]); // both indexes loaded (empty folder), as after a start
    for (const n of [1, 3, 5]) await a.picture(book.id, key(), n, 720);
    for (const n of [2, 4]) await b.picture(book.id, key(), n, 720);
    expect(await folderBytes()).toBeGreaterThan(budget); // neither instance alone went over its budget
    await a.evict(); // what A's next write starts
    expect(await folderBytes()).toBeLessThanOrEqual(budget);
  });
});
