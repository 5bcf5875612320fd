import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../../src/context.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { PHONE_UA } from './fixtures.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const req = (ip: string) => ({ headers: { 'user-agent': PHONE_UA }, ip });

describe('events buffer', () => {
  it('does not touch the database on record(), and writes everything on graceful close', async () => {
    // A second context on the same database, with a flush interval longer than the test.
    const ctx = createContext({
      config: env.config,
      log: env.ctx.log,
      databaseUrl: env.databaseUrl,
      search: env.ctx.search,
      sessionSecret: 'x'.repeat(32),
      events: { flushMs: 600_000 },
    });
    const before = await env.ctx.repos.events.countEvents();
    const record = (n: number) => {
      for (let i = 0; i < n; i++) ctx.services.events.record({ kind: 'book_open', bookId: 1 + (i % 7) }, req(`10.0.${i % 250}.1`));
    };
    record(500);
    await new Promise((r) => setTimeout(r, 300));
    expect((await env.ctx.repos.events.countEvents()) - before).toBe(0); // still in memory
    expect(ctx.services.events.stats().buffered).toBe(500);
    // A full batch (2000) is written at once, without waiting for the timer…
    record(1600);
    await expect.poll(() => env.ctx.repos.events.countEvents().then((n) => n - before), { timeout: 60_000 }).toBe(2100);
    record(400);
    expect(ctx.services.events.stats().buffered).toBe(400);
    // …and what is left is written by the graceful shutdown path (AppContext.close) before the pool closes.
    await ctx.close();
    expect((await env.ctx.repos.events.countEvents()) - before).toBe(2500);
  });

  it('drops invalid events instead of throwing into the request that records them', async () => {
    const events = env.ctx.services.events;
    const before = events.stats().recorded;
    expect(() => events.record({ kind: 'book_open', bookId: -1 })).not.toThrow();
    expect(() => events.record({ kind: 'pages_read', bookId: 3, pages: 1e9 })).not.toThrow();
    expect(() => events.record({ kind: 'search', query: '   ', resultCount: 2 })).not.toThrow();
    expect(() => events.record({ kind: 'nonsense' } as never)).not.toThrow();
    expect(events.stats().recorded).toBe(before);
    events.record({ kind: 'download', bookId: 3 }, req('10.1.1.1'));
    expect(events.stats().recorded).toBe(before + 1);
  });

  it('attributes an event from its request cookie even without the visit middleware (beacons)', async () => {
    const loc = await env.ctx.services.locations.create({
      name: 'Điểm thử',
      kind: 'other',
      address: '',
      ward: '',
      note: null,
      contact: null,
    });
    const now = Math.floor(Date.now() / 60_000).toString(36);
    env.ctx.services.events.record(
      { kind: 'pages_read', bookId: 9, pages: 12 },
      { headers: { 'user-agent': PHONE_UA, cookie: `tvs.visit=q.${loc.code}.${now}` }, ip: '10.2.2.2' },
    );
    await env.ctx.services.events.flush();
    const row = await env.ctx.db
      .selectFrom('stats_events')
      .selectAll()
      .where('kind', '=', 'pages_read')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect([row.location_id, row.origin, row.pages, row.book_id]).toEqual([loc.id, 'qr', 12, 9]);
  });
});
