import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { createContext, type AppContext } from '../../../src/context.ts';
import { migrateToLatest } from '../../../src/db/migrate.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../src/infra/embedded-postgres.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { connectSearch } from '../../../src/infra/search-client.ts';
import { freePort } from '../../helpers/free-port.ts';
import { allRoutes } from '../../helpers/routes.ts';
import { defaultLibraryId } from '../../helpers/test-context.ts';

/**
 * A PostgreSQL outage, for real: this file runs its own embedded PostgreSQL (never the shared one),
 * stops it while the app serves, and starts it again. Public pages answer a friendly 503; QR scans
 * keep redirecting, attributed to their place from the cache, and are written once it is back.
 */
const clock = new ManualClock(new Date('2026-03-02T03:00:00Z'));
const log = createLogger((process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent');
let baseDir: string;
let storageDir: string;
let port: number;
let pg: EmbeddedPostgres | null = null;
let ctx: AppContext;
let app: App;
const password = crypto.randomBytes(12).toString('hex');
const startPg = () => startEmbeddedPostgres({ baseDir, port, password, database: 'tvs_outage', log });

beforeAll(async () => {
  baseDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-outage-pg-'));
  storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-outage-storage-'));
  port = await freePort();
  pg = await startPg();
  const id = crypto.randomBytes(4).toString('hex');
  const config = loadConfig({ NODE_ENV: 'test', STORAGE_DIR: storageDir, SEARCH_INDEX_PREFIX: `o${id}_`, LOG_LEVEL: 'silent' });
  const search = await connectSearch({
    url: inject('meiliUrl'),
    masterKey: inject('meiliMasterKey') || undefined,
    prefix: config.search.indexPrefix,
    log,
  });
  ctx = createContext({ config, log, databaseUrl: pg.url, search, sessionSecret: 'x'.repeat(40), clock, events: { flushMs: 100 } });
  await migrateToLatest(ctx.db);
  app = createApp(ctx);
}, 120_000);

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await pg?.stop();
  await fs.rm(baseDir, { recursive: true, force: true });
  await fs.rm(storageDir, { recursive: true, force: true });
});

const scansAt = async (locationId: number) =>
  Number(
    (
      await ctx.db
        .selectFrom('stats_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', 'scan')
        .where('location_id', '=', locationId)
        .executeTakeFirstOrThrow()
    ).n,
  );

// Starts and stops its own PostgreSQL: on a loaded 2-core machine that alone can take tens of seconds.
describe('PostgreSQL outage', { timeout: 180_000 }, () => {
  it('answers public pages with a friendly 503, keeps answering and attributing scans, and counts them once it is back', async () => {
    const loc = await ctx.services.locations.create(await defaultLibraryId(ctx), {
      name: 'Nhà văn hoá thôn Đông',
      kind: 'other',
      address: '',
      ward: '',
      note: '',
      contact: '',
    });
    const other = await ctx.services.locations.create(await defaultLibraryId(ctx), {
      name: 'Trường tiểu học xã',
      kind: 'other',
      address: '',
      ward: '',
      note: '',
      contact: '',
    });
    await request(app).get(`/q/${loc.code}`).expect(302); // the poster's code is now cached
    await expect.poll(() => scansAt(loc.id), { timeout: 30_000 }).toBe(1);
    await request(app).get('/').expect(200);

    await pg!.stop();
    pg = null;
    // Long after the cache entry's lifetime: only the stale-on-error path can still attribute scans.
    clock.advance(10 * 60_000);

    for (const page of ['/', '/the-loai', '/sach/1', '/tac-gia/nguyen-du']) {
      const res = await request(app).get(page).set('Accept', 'text/html');
      expect(res.status, page).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.text).toContain('Thư viện đang tạm gián đoạn');
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\.ts:\d+|node_modules/);
    }
    // Every route, anonymously: pages that need the database say so (503), none fails with a 500.
    const failures: string[] = [];
    for (const { method, path } of allRoutes(app)) {
      const res = await request(app)[method](path).set('Accept', 'text/html');
      if (res.status >= 500 && res.status !== 503) failures.push(`${method.toUpperCase()} ${path} → ${res.status}`);
      // /readyz: what it shows to whom is issue 10's change (details only to signed-in staff), made elsewhere.
      if (res.status >= 500 && path !== '/readyz' && /ECONNREFUSED|127\.0\.0\.1:\d+|\.ts:\d+/.test(res.text))
        failures.push(`${path} leaks error text`);
    }
    expect(failures).toEqual([]);
    // The process and its static files still answer (they come before the library lookup, which needs the
    // database), also once the lookup's ≤ 1 s memory has expired.
    await new Promise((r) => setTimeout(r, 1100));
    await request(app).get('/healthz').expect(200);
    const css = await request(app).get('/static/css/public.css').expect(200);
    expect(css.headers['content-type']).toContain('text/css');
    expect((await request(app).get('/readyz')).status).toBe(503);
    // A poster whose code was never looked up before the outage: still answered, counted once the database is back.
    const unseen = await request(app).get(`/q/${other.code}`).set('User-Agent', 'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36');
    expect(unseen.status).toBe(302);

    const json = await request(app).get('/sach/1').set('Accept', 'application/json');
    expect(json.status).toBe(503);
    expect(json.body.error.code).toBe('database_unavailable');

    for (let i = 0; i < 25; i++) {
      const res = await request(app).get(`/q/${loc.code}`).set('User-Agent', `Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36 #${i}`);
      expect(res.status).toBe(302);
      expect(String(res.headers['set-cookie'])).toContain(loc.code); // attributed to the place, from the cache
    }
    await new Promise((r) => setTimeout(r, 500)); // several failed flushes
    // Polled: a flush in flight holds its batch out of the buffer until it fails and puts it back.
    await expect.poll(() => ctx.services.events.stats().buffered, { timeout: 30_000 }).toBeGreaterThanOrEqual(25); // scans, and the visits of the pages above
    expect(ctx.services.events.stats().discarded).toBe(0);

    pg = await startPg();
    await expect.poll(() => scansAt(loc.id).catch(() => -1), { timeout: 30_000, interval: 200 }).toBe(26);
    expect(ctx.services.events.stats()).toMatchObject({ buffered: 0, dropped: 0, discarded: 0 });
    expect(await scansAt(other.id)).toBe(1);
    await expect.poll(async () => (await request(app).get('/')).status, { timeout: 30_000 }).toBe(200);
  }, 120_000);
});
