import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, csrfFrom, signInAs, TEST_PASSWORD } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';

let env: TestEnv;
beforeAll(async () => {
  // Default limits (5 per account, 30 per address per 15 minutes); behind a proxy so each test is its own address.
  env = await createTestEnv({ env: { TRUST_PROXY: '1' } });
});
afterAll(() => env.cleanup());

describe('sign-in limit under concurrency', () => {
  it('200 parallel attempts on one account verify at most 5 passwords, and the right one among them does not get in late', async () => {
    const user = await createUser(env.ctx, 'admin');
    const agent = request.agent(env.app);
    const ip = '203.0.113.50';
    const token = csrfFrom((await agent.get('/dang-nhap').set('X-Forwarded-For', ip)).text);
    const attempt = (password: string) =>
      agent.post('/dang-nhap').set('X-Forwarded-For', ip).type('form').send({ _csrf: token, email: user.email, password });
    // 199 wrong passwords and the right one last, all at once.
    const all = await Promise.all([...Array.from({ length: 199 }, (_, i) => attempt(`sai-mat-khau-${i}`)), attempt(TEST_PASSWORD)]);
    const statuses = all.map((r) => r.status);
    const verified = statuses.filter((s) => s === 401 || s === 303).length;
    expect(verified).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(195);
    expect(new Set(statuses)).toEqual(new Set(statuses.filter((s) => s === 401 || s === 303 || s === 429)));
    // Unless the right password was among the first five attempts, it was refused.
    if (statuses.filter((s) => s === 401).length === 5) expect(statuses.at(-1)).toBe(429);
    // And the account stays blocked for a sequential attempt with the right password.
    const after = await attempt(TEST_PASSWORD);
    expect(after.status).toBe(429);
  });

  it('100 parallel attempts on different accounts from one address verify at most 30 passwords', async () => {
    const agent = request.agent(env.app);
    const ip = '203.0.113.53';
    const token = csrfFrom((await agent.get('/dang-nhap').set('X-Forwarded-For', ip)).text);
    const all = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        agent
          .post('/dang-nhap')
          .set('X-Forwarded-For', ip)
          .type('form')
          .send({ _csrf: token, email: `khong-co-ai-${i}@example.vn`, password: 'sai-mat-khau' }),
      ),
    );
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(70);
  });

  it('a successful sign-in gives its point back: staff signing in often are not blocked', async () => {
    const user = await createUser(env.ctx, 'librarian');
    const ip = '203.0.113.51';
    for (let i = 0; i < 40; i++) {
      const agent = request.agent(env.app);
      const token = csrfFrom((await agent.get('/dang-nhap').set('X-Forwarded-For', ip)).text);
      const r = await agent
        .post('/dang-nhap')
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ _csrf: token, email: user.email, password: TEST_PASSWORD });
      expect(r.status, `sign-in ${i + 1}`).toBe(303);
    }
  });

  it('keeps no address or email in the limiter table', async () => {
    const rows = await env.ctx.db.selectFrom('login_rate_limits').select('key').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const { key } of rows) {
      expect(key).not.toMatch(/203\.0\.113|@|example/);
      expect(key).toMatch(/^login_(ip|account):[A-Za-z0-9_-]{43}$/);
    }
  });
});

describe('return addresses', () => {
  const hostile = [
    '/\\evil.example',
    '/%5Cevil.example',
    '//evil.example',
    '/%2F%2Fevil.example',
    '/%2F/evil.example',
    '/%09/evil.example',
    '/\t/evil.example',
    'https://evil.example',
    '/%0A/evil.example',
  ];

  it('the language switch never sends anyone to another host', async () => {
    for (const next of hostile) {
      // Sent raw, as an attacker's link would be (supertest would re-encode a .query() value).
      const raw = `/ngon-ngu/vi?next=${next.replace(/\\/g, '%5C').replace(/\t/g, '%09')}`;
      // Control characters (tab, newline) are refused at the edge with a 400 before any route runs;
      // everything else is redirected home. Either way nobody is sent to another host.
      for (const url of [raw, `/ngon-ngu/en?next=${encodeURIComponent(next)}`]) {
        const res = await request(env.app).get(url);
        const outcome = res.status === 400 ? 'refused' : `${res.status} ${res.headers.location}`;
        expect(['refused', '303 /'], url).toContain(outcome);
      }
    }
    const ok = await request(env.app)
      .get(`/ngon-ngu/en?next=${encodeURIComponent('/tim?q=truyện')}`)
      .expect(303);
    expect(ok.headers.location).toBe('/tim?q=truy%E1%BB%87n');
  });

  it('sign-in uses the same check', async () => {
    const user = await createUser(env.ctx, 'leader');
    for (const next of hostile) {
      const agent = request.agent(env.app);
      // A control character may be refused at the edge (400) before any route sees it.
      const page = await agent.get(`/dang-nhap?next=${encodeURIComponent(next)}`).set('X-Forwarded-For', '203.0.113.52');
      const form = page.status === 400 ? await agent.get('/dang-nhap').set('X-Forwarded-For', '203.0.113.52').expect(200) : page;
      expect(form.status, next).toBe(200);
      expect(form.text).toContain('name="next" value="/admin"');
      const r = await agent
        .post('/dang-nhap')
        .set('X-Forwarded-For', '203.0.113.52')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), email: user.email, password: TEST_PASSWORD, next });
      const outcome = r.status === 400 ? 'refused' : `${r.status} ${r.headers.location}`;
      expect(['refused', '303 /admin'], next).toContain(outcome);
    }
  });
});

describe('/readyz', () => {
  it('shows only status words to anonymous visitors, and details to signed-in staff', async () => {
    // Make the storage check fail with a real error text (a path) by pointing it at a file.
    const original = env.ctx.config.storageDir;
    const broken = `${original}/khong-ton-tai/sau-hon`;
    (env.ctx.config as { storageDir: string }).storageDir = broken;
    try {
      const anon = await request(env.app).get('/readyz').expect(503);
      expect(anon.body).toEqual({
        status: 'failing',
        checks: { database: { status: 'ok' }, search: { status: 'ok' }, storage: { status: 'failing' } },
      });
      expect(JSON.stringify(anon.body)).not.toContain('khong-ton-tai');
      // A forged or stale cookie is just anonymous.
      const forged = await request(env.app).get('/readyz').set('Cookie', 'tvs.sid=s%3Aabc.def').expect(503);
      expect(forged.body.checks.storage).toEqual({ status: 'failing' });

      (env.ctx.config as { storageDir: string }).storageDir = original;
      const staff = await signInAs(env.app, env.ctx, 'leader');
      (env.ctx.config as { storageDir: string }).storageDir = broken;
      const detailed = await staff.agent.get('/readyz').expect(503);
      expect(detailed.body.checks.storage.status).toBe('failing');
      expect(detailed.body.checks.storage.error).toContain('khong-ton-tai');
    } finally {
      (env.ctx.config as { storageDir: string }).storageDir = original;
    }
    const healthy = await request(env.app).get('/readyz').expect(200);
    expect(healthy.body.status).toBe('ok');
  });
});

describe('CSRF on multipart forms: never from the URL, checked before any file is stored', () => {
  it('takes the token from the first form field or the header only', async () => {
    const { agent, csrf } = await signInAs(env.app, env.ctx, 'librarian');
    const tmp = path.join(env.config.storageDir, 'tmp');
    const tmpFiles = async () => (await fs.readdir(tmp).catch(() => [])).length;
    const pdf = tinyPdf({ title: 'Thử', pages: ['Một trang.'] });
    const before = await tmpFiles();
    // In the URL only: refused, and nothing stored.
    await agent
      .post(`/admin/books/upload?_csrf=${encodeURIComponent(csrf)}`)
      .set('Accept', 'application/json')
      .attach('files', pdf, 'a.pdf')
      .expect(403);
    // A wrong first field: refused before the file is written.
    await agent
      .post('/admin/books/upload')
      .set('Accept', 'application/json')
      .field('_csrf', 'sai')
      .attach('files', pdf, 'b.pdf')
      .expect(403);
    // The token AFTER the file: the file would already be on disk, so it is refused too.
    await agent
      .post('/admin/books/upload')
      .set('Accept', 'application/json')
      .attach('files', pdf, 'c.pdf')
      .field('_csrf', csrf)
      .expect(403);
    expect(await tmpFiles()).toBe(before);
    // Multipart to a form that does not parse multipart: only the header counts.
    await agent.post('/admin/categories').field('_csrf', csrf).field('name', 'Danh mục đa phần').expect(403);
    // The two accepted ways.
    const first = await agent
      .post('/admin/books/upload')
      .set('Accept', 'application/json')
      .field('_csrf', csrf)
      .attach('files', pdf, 'd.pdf');
    expect(first.status, first.text).toBe(200);
    const header = await agent
      .post('/admin/books/upload')
      .set('Accept', 'application/json')
      .set('X-CSRF-Token', csrf)
      .attach('files', tinyPdf({ title: 'Thử 2', pages: ['Trang khác.'] }), 'e.pdf');
    expect(header.status, header.text).toBe(200);
    expect(header.body.results[0].kind).toBe('created');
  });
});
