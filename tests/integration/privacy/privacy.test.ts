import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createUser, csrfFrom, TEST_PASSWORD } from '../../helpers/auth.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';

/**
 * README "Privacy": no IP address or user agent is stored, and logs carry no cookies, tokens or
 * query strings. A scripted reader session and a staff session run with a distinctive address
 * and browser; then the WHOLE log (every level) and every row of every table are searched.
 */
const IP = '198.18.77.123';
const REAL_IP = '198.18.88.234';
const UA =
  'Mozilla/5.0 (Linux; Android 9; ZQ-PRIVACY-4242) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 Mobile Safari/537.36';
const UA_MARK = 'ZQ-PRIVACY-4242';
const QUERY = 'bimatriengtu';
const FAKE_RESET_TOKEN = 'tokenbimat9f8e7d6c5b4a39281706';

const logLines: string[] = [];
let env: TestEnv;
let book: FixtureBook;
beforeAll(async () => {
  env = await createTestEnv({
    publishGate: openPublishGate,
    env: { TRUST_PROXY: '1' },
    log: { level: 'trace', write: (l) => void logLines.push(l) },
  });
  book = await createBook(env.ctx, {
    title: 'Sách về quyền riêng tư',
    pages: pagesWith(6, { 2: `Trang có từ ${QUERY} để tìm.` }),
    status: 'published',
    index: true,
  });
});
afterAll(() => env.cleanup());

type Agent = ReturnType<typeof request.agent>;
const as = (agent: Agent) => ({
  get: (url: string) => agent.get(url).set('X-Forwarded-For', IP).set('X-Real-IP', REAL_IP).set('User-Agent', UA),
  post: (url: string) => agent.post(url).set('X-Forwarded-For', IP).set('X-Real-IP', REAL_IP).set('User-Agent', UA),
});

/** Values of Set-Cookie headers seen, raw and decoded. */
const cookieValues = new Set<string>();
function collectCookies(res: request.Response): void {
  const set = res.headers['set-cookie'] as unknown as string[] | undefined;
  for (const c of set ?? []) {
    const value = c.split(';')[0].split('=').slice(1).join('=');
    if (value.length < 8) continue;
    cookieValues.add(value);
    cookieValues.add(decodeURIComponent(value));
  }
}
const csrfTokens = new Set<string>();
let sessionCookie = '';

describe('privacy: what the server keeps after a reader and a staff session', () => {
  it('runs a reader session and a staff session', { timeout: 120_000 }, async () => {
    // A place with a QR poster, made by a librarian (staff session below signs in separately).
    const librarian = await createUser(env.ctx, 'librarian');
    const staff = as(request.agent(env.app));
    const signInPage = await staff.get('/dang-nhap?next=/admin/books/new').expect(200);
    csrfTokens.add(csrfFrom(signInPage.text));
    const signedIn = await staff
      .post('/dang-nhap')
      .type('form')
      .send({ _csrf: csrfFrom(signInPage.text), email: librarian.email, password: TEST_PASSWORD, next: '/admin/books/new' })
      .expect(303);
    collectCookies(signedIn);
    sessionCookie = [...cookieValues].find((v) => v.startsWith('s%3A')) ?? '';
    expect(sessionCookie).not.toBe('');
    const form = await staff.get('/admin/books/new').expect(200);
    const token = csrfFrom(form.text);
    csrfTokens.add(token);
    expect(form.text).not.toContain('_csrf=');
    // Multipart upload with the token as the first field (never in the URL).
    const upload = await staff
      .post('/admin/books/upload')
      .set('Accept', 'application/json')
      .field('_csrf', token)
      .attach('files', tinyPdf({ title: 'Tải lên', pages: ['Trang một.'] }), 'tai-len.pdf')
      .expect(200);
    expect(upload.body.results[0].kind).toBe('created');
    // A CSRF form, and one without its token (an error path).
    const loc = await staff
      .post('/admin/locations')
      .type('form')
      .send({ _csrf: token, name: 'Thư viện phường', kind: 'cafe', address: '1 Lê Lợi', ward: 'Phường 1' })
      .expect(303);
    const code = (await env.ctx.repos.locations.findById(Number(/(\d+)$/.exec(loc.headers.location)![1])))!.code;
    await staff.post('/admin/categories').type('form').send({ name: 'Không có mã' }).expect(403);
    await staff.get(`/dat-mat-khau/${FAKE_RESET_TOKEN}`).expect(410);

    // The reader: home, search, book, reader, beacon, QR scan, download, language, a missing page.
    const reader = as(request.agent(env.app));
    collectCookies(await reader.get(`/q/${code}?b=${book.id}`));
    collectCookies(await reader.get('/').expect(200));
    await reader.get(`/tim-kiem?q=${QUERY}`).expect(200);
    await reader.get(`/sach/${book.id}`).redirects(1).expect(200);
    await reader.get(`/doc/${book.id}?q=${QUERY}`).expect(200);
    await reader
      .post(`/api/doc/${book.id}/da-doc`)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Content-Type', 'text/plain;charset=UTF-8')
      .send(JSON.stringify({ pages: 3 }))
      .expect(204);
    await reader.get(`/sach/${book.id}/tep.pdf?download=1`).expect(200);
    await reader.get(`/ngon-ngu/en?next=${encodeURIComponent(`/tim-kiem?q=${QUERY}`)}`).expect(303);
    await reader.get(`/sach/999999?q=${QUERY}`).expect(404);
    await reader.get(`/api/search?q=${QUERY}`).expect(200);

    await staff.post('/dang-xuat').type('form').send({ _csrf: token }).expect(303);
    await env.ctx.services.events.flush();
  });

  it('the whole log (trace level) holds request lines, but no address, user agent, cookie, token or query', () => {
    const log = logLines.join('');
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // The capture works: one line per request, with the route pattern.
    const requestLines = lines.filter((l) => l.msg === 'request completed' || l.msg === 'request failed');
    expect(requestLines.length).toBeGreaterThanOrEqual(15);
    expect(requestLines.map((l) => l.route)).toEqual(
      expect.arrayContaining(['/doc/:id', '/api/doc/:id/da-doc', '/tim-kiem', '/dang-nhap']),
    );
    for (const l of requestLines) {
      expect(Object.keys(l).sort()).toEqual(
        expect.arrayContaining(['level', 'time', 'reqId', 'method', 'route', 'status', 'ms', 'msg'].sort()),
      );
      expect(l).not.toHaveProperty('req');
      expect(l).not.toHaveProperty('res');
    }
    for (const needle of [IP, REAL_IP, UA, UA_MARK, QUERY, FAKE_RESET_TOKEN, '127.0.0.1', '::ffff:', 'x-forwarded-for', 'user-agent']) {
      expect(log.toLowerCase(), needle).not.toContain(needle.toLowerCase());
    }
    for (const c of cookieValues) expect(log, 'cookie value').not.toContain(c);
    const sid = decodeURIComponent(sessionCookie).slice(2).split('.')[0];
    expect(log).not.toContain(sid);
    for (const t of csrfTokens) expect(log, 'CSRF token').not.toContain(t);
    expect(log).not.toContain('?');
    expect(log).not.toMatch(/set-cookie|"cookie"/i);
  });

  it('no table holds the address, the user agent, a cookie value or a CSRF token', async () => {
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(
      env.ctx.db,
    );
    expect(tables.rows.length).toBeGreaterThan(20);
    let dump = '';
    for (const { name } of tables.rows) {
      const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(env.ctx.db);
      dump += rows.rows.map((r) => `${name}: ${r.row}`).join('\n') + '\n';
    }
    // The sessions really were stored (the dump is not empty by accident).
    expect(dump).toMatch(/^session: /m);
    expect(dump).toMatch(/^login_rate_limits: /m);
    expect(dump).toMatch(/^stats_events: /m);
    for (const needle of [IP, REAL_IP, UA, UA_MARK, FAKE_RESET_TOKEN]) expect(dump, needle).not.toContain(needle);
    // The session store is keyed by the session id (it must be); the signed cookie value is not stored.
    for (const c of cookieValues) if (!c.startsWith('s%3A')) expect(dump, 'cookie value').not.toContain(c);
    const signed = decodeURIComponent(sessionCookie);
    expect(dump).not.toContain(signed);
    expect(dump).not.toContain(signed.split('.').slice(1).join('.')); // the signature
    for (const t of csrfTokens) expect(dump, 'CSRF token').not.toContain(t);
  });
});
