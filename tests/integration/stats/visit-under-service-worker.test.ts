import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { PHONE_UA } from './fixtures.ts';

/**
 * A returning reader's phone has the service worker, which fetches each page the reader navigates
 * to itself: Chromium then sends `Sec-Fetch-Dest: empty` (with `Sec-Fetch-Mode: navigate`) instead
 * of `document`. Such a page is still a page the reader asked for: it starts a visit, and after a
 * poster's scan it greets the reader with the place (found by tests/e2e/city-walkthrough.test.ts:
 * a second poster scanned on the same phone showed no welcome and its visit went uncounted).
 */
const UNDER_SERVICE_WORKER = {
  'User-Agent': PHONE_UA,
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Sec-Fetch-Dest': 'empty',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Site': 'same-origin',
};

let env: TestEnv;
let code: string;
beforeAll(async () => {
  env = await createTestEnv();
  const ward = await env.ctx.services.libraries.create({
    slug: 'an-khe',
    name: 'Thư viện An Khê',
    unionName: '',
    address: '',
    contact: '',
  });
  const place = await env.ctx.services.locations.create(ward.id, {
    name: 'Quán cà phê Sách Xanh',
    kind: 'cafe',
    address: '',
    ward: '',
    contact: '',
    note: '',
  });
  code = place.code;
});
afterAll(() => env?.cleanup());

const visits = async () => {
  await env.ctx.services.events.flush();
  return (await env.ctx.db.selectFrom('stats_events').select('id').where('kind', '=', 'visit').execute()).length;
};

describe('a page fetched by the service worker', () => {
  it('counts as a reader’s page: it starts a visit', async () => {
    const before = await visits();
    await request(env.app).get('/an-khe/').set(UNDER_SERVICE_WORKER).expect(200);
    expect(await visits()).toBe(before + 1);
    // A script's fetch (Sec-Fetch-Mode: cors) is still not a page view.
    await request(env.app)
      .get('/an-khe/')
      .set({ ...UNDER_SERVICE_WORKER, 'Sec-Fetch-Mode': 'cors' })
      .expect(200);
    expect(await visits()).toBe(before + 1);
  });

  it('greets the reader who scanned a poster with the place', async () => {
    const scan = await request(env.app).get(`/q/${code}`).set('User-Agent', PHONE_UA).expect(302);
    expect(scan.headers.location).toBe('/an-khe/');
    const cookie = (scan.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const home = await request(env.app).get('/an-khe/').set(UNDER_SERVICE_WORKER).set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Chào mừng bạn đến từ Quán cà phê Sách Xanh!');
  });
});

describe('what is not a reader’s page', () => {
  it('is not counted inside a library’s address either (OPDS, sign-in redirects of its admin)', async () => {
    const before = await visits();
    const anyClient = { 'User-Agent': PHONE_UA, Accept: '*/*' };
    for (const path of ['/opds', '/an-khe/opds', '/an-khe/opds/moi', '/admin', '/an-khe/admin'])
      await request(env.app).get(path).set(anyClient);
    expect(await visits()).toBe(before);
    // While the library's own pages still are.
    await request(env.app).get('/an-khe/tim-kiem').set(anyClient).expect(200);
    expect(await visits()).toBe(before + 1);
  });
});
