import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../../../src/context.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * The daily salt with several app instances: the first instance to flush after midnight must not
 * delete yesterday's salt while another instance still holds yesterday's last events in its
 * buffer (they would lose their visitor hash and their visitors would go uncounted). Two contexts
 * on one database play the two instances, on one injected clock (Asia/Ho_Chi_Minh, UTC+7).
 */
const clock = new ManualClock(new Date('2025-05-20T16:59:59Z')); // 23:59:59 local
let env: TestEnv;
let other: AppContext;

beforeAll(async () => {
  env = await createTestEnv({ clock });
  other = createContext({
    config: env.config,
    log: env.ctx.log,
    databaseUrl: env.databaseUrl,
    search: env.ctx.search,
    sessionSecret: env.ctx.sessionSecret,
    clock,
  });
});
afterAll(async () => {
  await other.close();
  await env.cleanup();
});

const salts = async () =>
  (
    await env.ctx.db
      .selectFrom('stats_salts')
      .select(sql<string>`day::text`.as('day'))
      .orderBy('day')
      .execute()
  ).map((r) => r.day);
const phone = (ip: string) => ({
  ip,
  headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120.0.0.0 Mobile Safari/537.36' },
});

describe('daily salt rotation across instances', () => {
  it("keeps yesterday's salt for a grace after midnight, so another instance's last buffered events keep their visitor hash", async () => {
    // Instance B has been counting all day (yesterday's salt exists); its visit at 23:59:59 is
    // still in its buffer at midnight.
    other.services.events.recordDirectVisit(phone('203.0.113.8'));
    await other.services.events.flush();
    other.services.events.recordDirectVisit(phone('203.0.113.9'));
    // Instance A's first flush of the new day (00:00:30 local) creates today's salt.
    clock.set(new Date('2025-05-20T17:00:30Z'));
    env.ctx.services.events.recordDirectVisit(phone('198.51.100.4'));
    await env.ctx.services.events.flush();
    expect(await salts()).toEqual(['2025-05-20', '2025-05-21']); // yesterday's still there
    // B flushes a second later: its 23:59:59 event is hashed with yesterday's salt.
    clock.set(new Date('2025-05-20T17:00:31Z'));
    await other.services.events.flush();
    const rows = await env.ctx.db.selectFrom('stats_events').select(['occurred_at', 'visitor_hash']).orderBy('occurred_at').execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.visitor_hash !== null)).toBe(true);

    // After the grace, the next flush forgets every finished day's salt.
    clock.set(new Date('2025-05-20T17:03:00Z'));
    env.ctx.services.events.recordDirectVisit(phone('198.51.100.4'));
    await env.ctx.services.events.flush();
    expect(await salts()).toEqual(['2025-05-21']);
  });
});
