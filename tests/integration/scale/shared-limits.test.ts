import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../../../src/context.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { createTestEnv, DEFAULT_LIBRARY_ID, type TestEnv } from '../../helpers/test-context.ts';

/**
 * Limits that must hold across app instances: two contexts on one database play two instances
 * behind a proxy that sends one reader's requests to either.
 */
const clock = new ManualClock(new Date('2025-07-01T03:00:00Z'));
const limits = { points: 3, windowSeconds: 3600 };
let env: TestEnv;
let other: AppContext;

beforeAll(async () => {
  env = await createTestEnv({ clock, requestLimits: limits });
  other = createContext({
    config: env.config,
    log: env.ctx.log,
    databaseUrl: env.databaseUrl,
    search: env.ctx.search,
    sessionSecret: env.ctx.sessionSecret,
    clock,
    requestLimits: limits,
  });
});
afterAll(async () => {
  await other.close();
  await env.cleanup();
});

const suggestion = (n: number) => ({ title: `Sách đề xuất số ${n}`, author: 'Tác giả', note: '' });

describe('limits shared by several instances', () => {
  it("a reader's book suggestions are limited per address over all instances, and no address is stored", async () => {
    const [a, b] = [env.ctx.services.bookRequests, other.services.bookRequests];
    expect(await a.suggest(DEFAULT_LIBRARY_ID, suggestion(1), '203.0.113.50')).toBe('ok');
    expect(await b.suggest(DEFAULT_LIBRARY_ID, suggestion(2), '203.0.113.50')).toBe('ok');
    expect(await a.suggest(DEFAULT_LIBRARY_ID, suggestion(3), '203.0.113.50')).toBe('ok');
    expect(await b.suggest(DEFAULT_LIBRARY_ID, suggestion(4), '203.0.113.50')).toBe('rate_limited'); // the 4th, on the other instance
    expect(await a.suggest(DEFAULT_LIBRARY_ID, suggestion(5), '203.0.113.50')).toBe('rate_limited');
    expect(await b.suggest(DEFAULT_LIBRARY_ID, suggestion(6), '198.51.100.7')).toBe('ok'); // another address is not affected
    const keys = await env.ctx.db.selectFrom('login_rate_limits').select('key').execute();
    expect(keys.filter((k) => k.key.startsWith('book_request'))).toHaveLength(2);
    expect(keys.some((k) => k.key.includes('203.0.113') || k.key.includes('198.51.100'))).toBe(false);
  });
});
