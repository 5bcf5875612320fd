import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type ContextDeps } from '../../../src/context.ts';
import { createTestEnv, type TestEnv, defaultLibraryId } from '../../helpers/test-context.ts';
import { PHONE_UA } from './fixtures.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const req = (ip: string) => ({ headers: { 'user-agent': PHONE_UA }, ip });

/** A second context on the test's database, with its own events buffer (options as given). */
const secondContext = (events: ContextDeps['events']) =>
  createContext({
    config: env.config,
    log: env.ctx.log,
    databaseUrl: env.databaseUrl,
    search: env.ctx.search,
    sessionSecret: 'x'.repeat(32),
    events,
  });

describe('events buffer', () => {
  it('does not touch the database on record(), and writes everything on graceful close', async () => {
    // A second context on the same database, with a flush interval longer than the test.
    const ctx = secondContext({ flushMs: 600_000 });
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
    const loc = await env.ctx.services.locations.create(await defaultLibraryId(env.ctx), {
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

describe('a poisoned batch', () => {
  it('writes the good events of a batch PostgreSQL rejects, and discards and counts only the bad one (NUL in a query)', async () => {
    const ctx = secondContext({ flushMs: 600_000 });
    const events = ctx.services.events;
    try {
      const before = await env.ctx.repos.events.countEvents();
      for (let i = 0; i < 40; i++) events.record({ kind: 'book_open', bookId: 1 + i }, req(`10.9.0.${i}`));
      // record() strips NUL from queries; this event stands for anything that slips past the checks
      // at creation (it is what a search for "a%00b" used to put in the buffer).
      const buffer = Reflect.get(events, 'buffer') as Array<Record<string, unknown>>;
      buffer.splice(17, 0, { ...buffer[0], kind: 'search', bookId: null, query: 'a\u0000b', resultCount: 1 });
      for (let i = 0; i < 40; i++) events.record({ kind: 'download', bookId: 1 + i }, req(`10.9.1.${i}`));
      await events.flush();
      expect((await env.ctx.repos.events.countEvents()) - before).toBe(80);
      expect(events.stats()).toMatchObject({ written: 80, discarded: 1, buffered: 0 });
      // Later events are not held up behind it.
      events.record({ kind: 'book_open', bookId: 5 }, req('10.9.2.1'));
      await events.flush();
      expect((await env.ctx.repos.events.countEvents()) - before).toBe(81);
    } finally {
      await ctx.close();
    }
  });

  it('strips NUL and lone surrogates from a search query when the event is created', async () => {
    const ctx = secondContext({ flushMs: 600_000 });
    try {
      ctx.services.events.record({ kind: 'search', query: 'truyện\u0000 kiều\ud800', resultCount: 3 }, req('10.9.3.1'));
      await ctx.services.events.flush();
      expect(ctx.services.events.stats()).toMatchObject({ written: 1, discarded: 0 });
      const row = await ctx.db
        .selectFrom('stats_events')
        .select('query')
        .where('kind', '=', 'search')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(row.query).toBe('truyện kiều');
    } finally {
      await ctx.close();
    }
  });
});

describe('discarded events are visible to admins', () => {
  it('shows written, buffered, discarded and dropped counts on the jobs page', async () => {
    const { signInAs } = await import('../../helpers/auth.ts');
    const admin = await signInAs(env.app, env.ctx, 'admin');
    const events = env.ctx.services.events;
    const discardedBefore = events.stats().discarded;
    events.record({ kind: 'book_open', bookId: 9 }, req('10.9.4.1'));
    const buffer = Reflect.get(events, 'buffer') as Array<Record<string, unknown>>;
    buffer.push({ ...buffer[0], kind: 'search', bookId: null, query: '\u0000', resultCount: 0 });
    await events.flush();
    expect(events.stats().discarded).toBe(discardedBefore + 1);
    const page = await admin.agent.get('/admin/jobs').expect(200);
    expect(page.text).toContain(`${discardedBefore + 1} bị cơ sở dữ liệu từ chối nên đã loại bỏ`);
    expect(page.text).toMatch(/\d+ đã ghi/);
  });
});

describe('a bounded buffer', () => {
  it('drops the oldest events beyond its bound while nothing can be written, and counts them', async () => {
    const ctx = secondContext({ flushMs: 600_000, maxBuffered: 100, maxBatch: 1000 });
    try {
      for (let i = 0; i < 130; i++) ctx.services.events.record({ kind: 'book_open', bookId: 1 + i }, req(`10.8.0.${i % 250}`));
      expect(ctx.services.events.stats()).toMatchObject({ recorded: 130, buffered: 100, dropped: 30 });
      const buffer = Reflect.get(ctx.services.events, 'buffer') as Array<{ bookId: number }>;
      expect(buffer[0].bookId).toBe(31); // the oldest went first
    } finally {
      await ctx.close();
    }
  });
});
