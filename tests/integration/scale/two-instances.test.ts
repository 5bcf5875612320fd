import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { createContext, type AppContext } from '../../../src/context.ts';
import { SYNC_BOOK_JOB } from '../../../src/features/search/search-indexer.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { connectSearch } from '../../../src/infra/search-client.ts';
import { startInstance, stopInstance, waitReady, type AppInstance } from '../../helpers/app-instances.ts';
import { createUser, csrfFrom, TEST_PASSWORD } from '../../helpers/auth.ts';
import { draftBook, recordConsent } from '../../helpers/consent-fixtures.ts';
import { DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';

/**
 * Issue 17, item 7: the app as several stateless processes behind a reverse proxy, sharing one
 * PostgreSQL, one Meilisearch and one storage folder. Two real instances (`src/main.ts`, the
 * `npm start` entry point) are started AT ONCE against an EMPTY database and a fresh storage
 * folder with no SESSION_SECRET: both run the migrations (Kysely's lock) and both generate the
 * session secret at the same moment (secrets.ts: one wins). The test process itself only sets up
 * fixtures through its own AppContext, whose job runner never starts.
 */
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';

let tmp: string;
let dbName: string;
let a: AppInstance;
let b: AppInstance;
let ctx: AppContext;
let prefix: string;

beforeAll(async () => {
  const id = crypto.randomBytes(5).toString('hex');
  dbName = `tvs_t_${id}`;
  prefix = `t${id}_`;
  const adminUrl = inject('pgAdminUrl');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`); // empty: the instances migrate it
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), `tvs-scale-${id}-`));
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info', // 'job done' lines name the job: how the test sees which instance ran what
    DATABASE_URL: url.toString(),
    MEILI_URL: inject('meiliUrl'),
    MEILI_MASTER_KEY: inject('meiliMasterKey') || undefined,
    SEARCH_INDEX_PREFIX: prefix,
    STORAGE_DIR: path.join(tmp, 'storage'),
    SESSION_SECRET: '', // generated on first start, in the shared storage folder
    JOBS_POLL_MS: '100',
    JOBS_CONCURRENCY: '2',
    OCR_ENABLED: 'false',
    COOKIE_SECURE: 'false',
  };
  [a, b] = await Promise.all([startInstance(env, 'instance A'), startInstance(env, 'instance B')]);
  await Promise.all([waitReady(a), waitReady(b)]);

  const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' } as Record<string, string>);
  const log = createLogger('silent');
  const search = await connectSearch({ url: env.MEILI_URL!, masterKey: env.MEILI_MASTER_KEY, prefix, log });
  ctx = createContext({ config, log, databaseUrl: env.DATABASE_URL!, search, sessionSecret: 'fixtures-only-'.padEnd(48, 'x') });
}, 180_000);

afterAll(async () => {
  await Promise.all([a && stopInstance(a), b && stopInstance(b)]);
  await ctx?.close();
  const search = ctx?.search;
  if (search) {
    for (const kind of ['books', 'pages'] as const) await search.client.deleteIndexIfExists(search.indexName(kind)).catch(() => undefined);
  }
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await fs.rm(tmp, { recursive: true, force: true });
}, 120_000);

/** A tiny cookie jar: the one session cookie, carried from one instance to the other by hand. */
function sessionCookie(res: Response, current = ''): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('tvs.sid='));
  return set ? set.split(';')[0] : current;
}

const get = (instance: AppInstance, url: string, cookie = '', headers: Record<string, string> = {}) =>
  fetch(instance.url + url, { redirect: 'manual', headers: { cookie, 'user-agent': PHONE_UA, ...headers } });

const postForm = (instance: AppInstance, url: string, cookie: string, form: Record<string, string>) =>
  fetch(instance.url + url, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': PHONE_UA },
    body: new URLSearchParams(form).toString(),
  });

/** Polls `probe` until it returns a value `done` accepts, or the deadline passes (then the last value). */
async function pollUntil<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await probe();
  }
  return value;
}

/** Signs in on `instance` through the real form; returns the session cookie. */
async function signIn(instance: AppInstance, email: string): Promise<string> {
  const page = await get(instance, '/dang-nhap');
  expect(page.status).toBe(200);
  const cookie = sessionCookie(page);
  const res = await postForm(instance, '/dang-nhap', cookie, {
    _csrf: csrfFrom(await page.text()),
    email,
    password: TEST_PASSWORD,
    next: '/admin',
  });
  expect(res.status, instance.output()).toBe(303);
  return sessionCookie(res, cookie);
}

describe('two app instances sharing one PostgreSQL, Meilisearch and storage folder', { timeout: 120_000 }, () => {
  it('started together on an empty database: migrated once, and one session secret in the shared storage', async () => {
    const migrations = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(ctx.db);
    const names = await sql<{ n: number }>`select count(distinct name)::int as n from kysely_migration`.execute(ctx.db);
    expect(migrations.rows[0].n).toBeGreaterThan(0);
    expect(migrations.rows[0].n).toBe(names.rows[0].n);
    const secrets = await fs.readdir(path.join(tmp, 'storage', 'secrets'));
    expect(secrets.filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left behind
    expect(a.output()).not.toMatch(/"level":(50|60)/);
    expect(b.output()).not.toMatch(/"level":(50|60)/);
  });

  it('a sign-in on one instance is valid on the other (same cookie), and so is its CSRF token', async () => {
    const user = await createUser(ctx, 'admin');
    // Without a session, B sends people to the sign-in page: the check below can fail.
    expect((await get(b, '/admin', '', { accept: 'text/html' })).status).not.toBe(200);
    const cookie = await signIn(a, user.email);
    const onB = await get(b, '/admin', cookie);
    expect(onB.status, b.output()).toBe(200);
    const html = await onB.text();
    expect(html).toContain(user.display_name);
    // A form rendered by B is accepted by A: sign out through A with B's token.
    const out = await postForm(a, '/dang-xuat', cookie, { _csrf: csrfFrom(html) });
    expect(out.status).toBe(303);
    expect((await get(b, '/admin', cookie, { accept: 'text/html' })).status).not.toBe(200); // signed out everywhere
  });

  it('scans spread over both instances are counted exactly, in the events and in the rollups; a poster deactivated elsewhere stops counting for its place on both within 2 s', async () => {
    const loc = await ctx.services.locations.create(DEFAULT_LIBRARY_ID, {
      name: 'Nhà văn hóa khu phố 3',
      kind: 'community_house',
      address: '12 Nguyễn Trãi',
      ward: 'Phường Bến Thành',
      note: null,
      contact: null,
    });
    const scans = 240;
    const statuses: number[] = [];
    // Eight at a time, alternating instances, each as a new phone (no cookie).
    for (let i = 0; i < scans; i += 8) {
      const batch = Array.from({ length: Math.min(8, scans - i) }, (_, j) => get((i + j) % 2 === 0 ? a : b, `/q/${loc.code}`));
      for (const res of await Promise.all(batch)) statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 302)).toHaveLength(scans);

    const stored = () =>
      ctx.db
        .selectFrom('stats_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('kind', '=', 'scan')
        .where('location_id', '=', loc.id)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    // Each instance writes its buffer every second; both must have written all of theirs.
    expect(await pollUntil(stored, (n) => n >= scans, 30_000)).toBe(scans);
    // Both instances run the rollup job; each event must be folded exactly once.
    const rolled = () =>
      ctx.db
        .selectFrom('stats_daily')
        .select((eb) => eb.fn.sum<string>('scans').as('n'))
        .where('location_key', '=', loc.id)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n ?? 0));
    expect(await pollUntil(rolled, (n) => n >= scans, 40_000, 250)).toBe(scans);
    expect(await stored()).toBe(scans);

    // Deactivated elsewhere (here: the test's own process, a third one): both instances stop
    // attributing its scans to the place within 2 s, their code cache's lifetime.
    await ctx.services.locations.setActive(loc.id, false);
    const deactivatedAt = Date.now();
    let sent = 0;
    while (Date.now() - deactivatedAt < 3500) {
      await Promise.all([get(a, `/q/${loc.code}`), get(b, `/q/${loc.code}`)]);
      sent += 2;
      await new Promise((r) => setTimeout(r, 100));
    }
    await pollUntil(stored, (n) => n >= scans + sent, 30_000);
    const late = await ctx.db
      .selectFrom('stats_events')
      .select('origin')
      .where('kind', '=', 'scan')
      .where('location_id', '=', loc.id)
      .where('occurred_at', '>=', new Date(deactivatedAt + 2000))
      .execute();
    expect(late.length).toBeGreaterThanOrEqual(4);
    expect(new Set(late.map((e) => e.origin))).toEqual(new Set(['inactive']));
  });

  it('a withdrawal on one instance answers 410 for the book on the other within 2 s; page pictures rendered by both at once are whole', async () => {
    const admin = await createUser(ctx, 'librarian');
    const id = await draftBook(ctx, 'Sách chia sẻ giữa hai máy chủ');
    const consentId = await recordConsent(ctx, id, { holder: 'Tác giả Hai Máy', allowDownload: true }, admin);
    await ctx.services.books.publish(id, admin); // its search-index job runs on one of the instances
    expect((await get(b, `/sach/${id}`)).status).toBe(301); // public: to its slugged address
    expect((await get(a, `/sach/${id}`)).status).toBe(301);

    // The same page picture asked of both instances at once: each renders it (temporary file +
    // rename), both answers are complete WebP files, and the file left on disk is one of them.
    const picture = `/sach/${id}/anh/1-480.webp`;
    const [pa, pb] = await Promise.all([get(a, picture), get(b, picture)]);
    expect([pa.status, pb.status]).toEqual([200, 200]);
    const [ba, bb] = [Buffer.from(await pa.arrayBuffer()), Buffer.from(await pb.arrayBuffer())];
    for (const bytes of [ba, bb]) {
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
      expect(bytes.readUInt32LE(4) + 8).toBe(bytes.length); // the RIFF size covers exactly what was sent
    }
    const pagesDir = path.join(tmp, 'storage', 'pages', String(id));
    const onDisk = await fs.readFile(path.join(pagesDir, '1-480.webp'));
    expect(onDisk.equals(ba) || onDisk.equals(bb)).toBe(true);
    // No temporary file is left behind. Polled: after page 1 each instance renders the next pages
    // ahead (prefetch, and the pre-render job publishing queued), whose temporary files may exist
    // for a moment; what must not happen is one staying.
    const temporary = await pollUntil(
      async () => (await fs.readdir(pagesDir)).filter((f) => f.startsWith('.')),
      (names) => names.length === 0,
      15_000,
      100,
    );
    expect(temporary).toEqual([]);

    // Revoke the consent on A (signed in on A, with a token from A's page).
    const cookie = await signIn(a, admin.email);
    const consentPage = await get(a, `/admin/consents/${consentId}`, cookie);
    expect(consentPage.status).toBe(200);
    const token = csrfFrom(await consentPage.text());
    // The revocation request on A and a reader polling the book on B run side by side: the figure
    // is the time from submitting the revocation until B first answers 410.
    const started = performance.now();
    const revoking = postForm(a, `/admin/consents/${consentId}/revoke`, cookie, {
      _csrf: token,
      reason: 'Tác giả đề nghị gỡ sách (thử nghiệm hai máy chủ).',
    }).then((r) => ({ status: r.status, ms: performance.now() - started }));
    const status = await pollUntil(
      () => get(b, `/sach/${id}`).then((r) => r.status),
      (s) => s === 410,
      10_000,
      20,
    );
    const ms = performance.now() - started;
    const revoked = await revoking;
    console.log(
      `[scale] revocation submitted on A → 410 Gone on B: ${Math.round(ms)} ms (target < 2000 ms); ` +
        `A's revocation request (book also out of both indexes): ${Math.round(revoked.ms)} ms`,
    );
    expect(revoked.status, a.output()).toBe(303);
    expect(status).toBe(410);
    expect(ms).toBeLessThan(2000);
    expect((await get(b, picture)).status).toBe(410);
    expect((await get(b, `/sach/${id}/tep.pdf`)).status).toBe(410);
  });

  it('queued jobs run exactly once, spread over both instances', async () => {
    const jobs = 24;
    const ids: number[] = [];
    // A real job type (search index sync) for books that do not exist: each run removes nothing, quickly.
    for (let i = 0; i < jobs; i++) ids.push((await ctx.repos.jobs.enqueue(SYNC_BOOK_JOB, { bookId: 900_000 + i }))!);
    const rows = () => ctx.db.selectFrom('jobs').select(['id', 'status', 'attempts']).where('id', 'in', ids).execute();
    const done = await pollUntil(rows, (r) => r.every((j) => j.status === 'succeeded'), 40_000, 200);
    expect(done.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    expect(done.map((j) => j.attempts)).toEqual(ids.map(() => 1)); // claimed once each (a claim counts an attempt)

    // Each instance logs the jobs it ran: every job appears in exactly one log, exactly once.
    const ran = (instance: AppInstance) =>
      instance
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"job done"') && l.endsWith('}')) // whole lines only
        .map((l) => (JSON.parse(l) as { jobId: number }).jobId)
        .filter((j) => ids.includes(j));
    // A log line may reach the pipe a moment after the row says succeeded.
    const all = await pollUntil(
      async () => [...ran(a), ...ran(b)],
      (r) => new Set(r).size === ids.length,
      10_000,
    );
    expect([...all].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y)); // every job once, none twice
    const [byA, byB] = [ran(a), ran(b)];
    console.log(`[scale] ${jobs} jobs: ${byA.length} run by A, ${byB.length} by B, none twice`);
  });
});
