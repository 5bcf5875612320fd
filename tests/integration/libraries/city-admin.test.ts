import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, csrfFrom, signedInAgent, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/** The city's pages (/thanh-pho): city roles only; a city admin creates libraries, logos, accounts and staff. */
let env: TestEnv;
let city: { agent: Agent; csrf: string };
let libraryAdmin: { agent: Agent; csrf: string };
let cityLeader: { agent: Agent; csrf: string };
beforeAll(async () => {
  env = await createTestEnv();
  const admin = await createUser(env.ctx, 'admin');
  await env.ctx.repos.users.setCityRole(admin.id, 'city_admin');
  city = await signedInAgent(env.app, admin.email);
  libraryAdmin = await signedInAgent(env.app, (await createUser(env.ctx, 'admin')).email);
  const leader = await createUser(env.ctx, 'leader');
  await env.ctx.repos.users.setCityRole(leader.id, 'city_leader');
  cityLeader = await signedInAgent(env.app, leader.email);
});
afterAll(() => env.cleanup());

/** Every route of the city router, parameters filled with 1. */
function cityRoutes(): Array<{ method: 'get' | 'post'; path: string }> {
  const out: Array<{ method: 'get' | 'post'; path: string }> = [];
  for (const layer of env.app.cityRouter.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>) {
    if (!layer.route) continue;
    const path = `/thanh-pho${layer.route.path === '/' ? '' : layer.route.path}`.replace(/:[a-zA-Z]+/g, '1');
    for (const m of Object.keys(layer.route.methods)) out.push({ method: m as 'get' | 'post', path });
  }
  return out;
}

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

describe('city pages', () => {
  it('send anonymous people to sign in, and answer 403 to a library admin without a city role, on every route', async () => {
    const routes = cityRoutes();
    expect(routes.length).toBeGreaterThan(6);
    const anonymous = request.agent(env.app);
    const token = csrfFrom((await anonymous.get('/dang-nhap').expect(200)).text);
    for (const r of routes) {
      const res = await anonymous[r.method](r.path).set('x-csrf-token', token).set('Accept', 'text/html');
      expect(res.status, `anonymous ${r.method} ${r.path}`).toBe(303);
      const denied = await libraryAdmin.agent[r.method](r.path).set('x-csrf-token', libraryAdmin.csrf).set('Accept', 'text/html');
      expect(denied.status, `library admin ${r.method} ${r.path}`).toBe(403);
    }
    // A city leader sees the list but changes nothing.
    await cityLeader.agent.get('/thanh-pho').expect(200);
    await cityLeader.agent
      .post('/thanh-pho/thu-vien')
      .set('x-csrf-token', cityLeader.csrf)
      .type('form')
      .send({ slug: 'x', name: 'X' })
      .expect(403);
  });

  it('lets a city admin create a library (slug checked), set its logo (bytes checked) and brand its pages', async () => {
    const page = await city.agent.get('/thanh-pho').expect(200);
    const csrf = csrfFrom(page.text);
    const reserved = await city.agent
      .post('/thanh-pho/thu-vien')
      .type('form')
      .send({ _csrf: csrf, slug: 'admin', name: 'Phường A' })
      .expect(400);
    expect(reserved.text).toContain('Địa chỉ ngắn này trùng với một trang của hệ thống');
    const created = await city.agent
      .post('/thanh-pho/thu-vien')
      .type('form')
      .send({
        _csrf: csrf,
        slug: 'phuong-ben-nghe',
        name: 'Thư viện Phường Bến Nghé',
        unionName: 'Đoàn phường Bến Nghé',
        address: '',
        contact: '',
      })
      .expect(303);
    const detail = created.headers.location as string;
    const lib = (await env.ctx.services.libraries.bySlug('phuong-ben-nghe'))!;
    expect(detail).toBe(`/thanh-pho/thu-vien/${lib.id}`);
    // A new library starts with the default library's categories.
    expect((await env.ctx.repos.categories.list(lib.id)).length).toBeGreaterThan(0);

    const notImage = await city.agent
      .post(`${detail}/logo`)
      .field('_csrf', csrf)
      .attach('logo', Buffer.from('%PDF-1.4 not an image'), { filename: 'logo.png', contentType: 'image/png' });
    expect(notImage.status).toBe(400);
    expect((await env.ctx.services.libraries.bySlug('phuong-ben-nghe'))!.logoKey).toBeNull();
    await city.agent
      .post(`${detail}/logo`)
      .field('_csrf', csrf)
      .attach('logo', PNG_1PX, { filename: 'logo.png', contentType: 'image/png' })
      .expect(303);
    const logo = await request(env.app).get('/phuong-ben-nghe/logo').expect(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(Buffer.from(logo.body as Buffer).equals(PNG_1PX)).toBe(true);

    const home = await request(env.app).get('/phuong-ben-nghe/').expect(200);
    expect(home.text).toContain('Thư viện Phường Bến Nghé');
    expect(home.text).toContain('Đoàn phường Bến Nghé');
    expect(home.text).toContain('src="/phuong-ben-nghe/logo"');
  });

  it('lets a city admin create an account for one library and give it a role in another (one account, several libraries)', async () => {
    const page = await city.agent.get('/thanh-pho/tai-khoan').expect(200);
    const csrf = csrfFrom(page.text);
    const wardA = await env.ctx.services.libraries.create({ slug: 'phuong-a', name: 'Phường A', unionName: '', address: '', contact: '' });
    const wardB = await env.ctx.services.libraries.create({ slug: 'phuong-b', name: 'Phường B', unionName: '', address: '', contact: '' });
    await city.agent
      .post('/thanh-pho/tai-khoan')
      .type('form')
      .send({
        _csrf: csrf,
        displayName: 'Chị Thủ Thư',
        email: 'thuthu@phuong.vn',
        libraryId: String(wardA.id),
        role: 'librarian',
        cityRole: '',
        password: 'mat-khau-rat-dai-123',
      })
      .expect(200);
    await city.agent
      .post(`/thanh-pho/thu-vien/${wardB.id}/nhan-su`)
      .type('form')
      .send({ _csrf: csrf, email: 'thuthu@phuong.vn', role: 'leader' })
      .expect(303);
    const user = (await env.ctx.services.users.findByEmail('thuthu@phuong.vn'))!;
    expect(Object.fromEntries(await env.ctx.services.users.membershipsOf(user.id))).toEqual({
      [wardA.id]: 'librarian',
      [wardB.id]: 'leader',
    });
    // Serving both: librarian pages in A, leader pages (not the catalogue) in B, nothing in the default library.
    const staff = await signedInAgent(env.app, 'thuthu@phuong.vn', 'mat-khau-rat-dai-123', '/phuong-a/admin');
    await staff.agent.get('/phuong-a/admin/books').expect(200);
    await staff.agent.get('/phuong-b/admin/books').expect(403);
    await staff.agent.get('/phuong-b/admin/requests').expect(200);
    await staff.agent.get('/admin').expect(403);

    // Ward A's own admin manages A's staff, but may not disable an account that also serves ward B.
    const adminA = await signedInAgent(
      env.app,
      (await createUser(env.ctx, 'admin', undefined, wardA.id)).email,
      undefined,
      '/phuong-a/admin',
    );
    await adminA.agent.get('/phuong-a/admin/users').expect(200);
    await adminA.agent.post(`/phuong-a/admin/users/${user.id}/disable`).set('x-csrf-token', adminA.csrf).expect(403);
    expect((await env.ctx.services.users.findById(user.id))!.disabled_at).toBeNull();
    await city.agent.post(`/phuong-a/admin/users/${user.id}/disable`).set('x-csrf-token', csrf).expect(303);
    expect((await env.ctx.services.users.findById(user.id))!.disabled_at).not.toBeNull();
  });
});
