import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../src/infra/clock.ts';
import { createBook, eventTap, pagesWith, type FixtureBook, type SeenEvent } from '../../helpers/books.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

const PHONE = 'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36';
let env: TestEnv;
let book: FixtureBook;
const events: SeenEvent[] = [];

beforeAll(async () => {
  // Behind a proxy, so each test can be "another visitor" by its forwarded address.
  env = await createTestEnv({ publishGate: openPublishGate, env: { TRUST_PROXY: '1' }, events: eventTap(events) });
  book = await createBook(env.ctx, { title: 'Sách mười trang', pages: pagesWith(10) });
});
afterAll(() => env.cleanup());

const beacon = (pages: unknown, ip: string, headers: Record<string, string> = {}, seen?: number[]) => {
  let r = request(env.app)
    .post(`/api/doc/${book.id}/da-doc`)
    .set('User-Agent', PHONE)
    .set('X-Forwarded-For', ip)
    .set('Content-Type', 'text/plain;charset=UTF-8');
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  return r.send(JSON.stringify(seen ? { pages, seen } : { pages }));
};
const pagesCounted = () => events.filter((e) => e.kind === 'pages_read').reduce((n, e) => n + Number(e.pages), 0);

describe('reading beacon bounds', () => {
  it('caps a visitor at the book’s page count per day, however many beacons claim 2000 pages', async () => {
    events.length = 0;
    for (let i = 0; i < 100; i++) await beacon(2000, '198.51.100.7', { 'Sec-Fetch-Site': 'same-origin' }).expect(204);
    expect(pagesCounted()).toBe(10);
  });

  it('counts a page once per visitor-day: repeated reports only add what is new', async () => {
    events.length = 0;
    await beacon(3, '198.51.100.8').expect(204);
    await beacon(3, '198.51.100.8').expect(204);
    await beacon(2, '198.51.100.8').expect(204);
    await beacon(5, '198.51.100.8').expect(204);
    expect(pagesCounted()).toBe(5);
    // Parallel beacons of the same visitor cannot both count the same pages.
    events.length = 0;
    await Promise.all(Array.from({ length: 20 }, () => beacon(8, '198.51.100.9').expect(204)));
    expect(pagesCounted()).toBe(8);
    // Another visitor counts on their own.
    events.length = 0;
    await beacon(4, '198.51.100.10').expect(204);
    expect(pagesCounted()).toBe(4);
  });

  it('with page numbers (the current reader), a page counts once a day however often the book is reopened', async () => {
    events.length = 0;
    const ip = '198.51.100.12';
    await beacon(3, ip, {}, [1, 2, 3]).expect(204);
    await beacon(3, ip, {}, [3, 4, 5]).expect(204); // reopened later: only 4 and 5 are new
    await beacon(2, ip, {}, [1, 2]).expect(204);
    expect(pagesCounted()).toBe(5);
    // Page numbers outside the book, repeated numbers and a long list add nothing beyond the book.
    await beacon(2000, ip, {}, [...Array.from({ length: 2000 }, (_, i) => i + 1), 7, 7, 7]).expect(204);
    expect(pagesCounted()).toBe(10);
    await beacon(5, ip, {}, [0, 11, 99999]).expect(204);
    expect(pagesCounted()).toBe(10);
    const row = await env.ctx.db
      .selectFrom('reading_credits')
      .select(['pages', 'counted'])
      .where('book_id', '=', book.id)
      .where('counted', '=', 10)
      .execute();
    expect(row.some((r) => r.pages.length === 10)).toBe(true);
  });

  it('refuses cross-site beacons (Sec-Fetch-Site, or Origin on older browsers) and counts nothing', async () => {
    events.length = 0;
    await beacon(5, '198.51.100.11', { 'Sec-Fetch-Site': 'cross-site' }).expect(403);
    await beacon(5, '198.51.100.11', { 'Sec-Fetch-Site': 'same-site' }).expect(403);
    await beacon(5, '198.51.100.11', { Origin: 'https://evil.example' }).expect(403);
    await beacon(5, '198.51.100.11', { Origin: 'null' }).expect(403);
    expect(pagesCounted()).toBe(0);
    // Our own origin is fine.
    await beacon(5, '198.51.100.11', { Origin: env.config.publicBaseUrl }).expect(204);
    expect(pagesCounted()).toBe(5);
  });

  it('stores no address: the credit row holds a daily hash, and past days are forgotten', async () => {
    const rows = await env.ctx.db.selectFrom('reading_credits').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.visitor.length).toBe(16);
      expect(r.visitor.toString('latin1')).not.toContain('198.51.100');
    }
    // The next day's maintenance forgets them (even with no beacon that day).
    (env.ctx.clock as ManualClock).advance(24 * 3600 * 1000);
    await env.ctx.services.rollup.maintenance();
    expect(await env.ctx.db.selectFrom('reading_credits').selectAll().execute()).toEqual([]);
  });
});
