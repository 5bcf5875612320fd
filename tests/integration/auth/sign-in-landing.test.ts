import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, csrfFrom, TEST_PASSWORD } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * Where sign-in leads when no page was asked for (the sign-in form's `next` is then '/admin', the
 * admin of the library at `/`). A ward librarian who serves only another library used to land on a
 * 403 there after the invitation's first sign-in (found by tests/e2e/city-walkthrough.test.ts).
 */
let env: TestEnv;
let wardId: number;
let otherWardId: number;
beforeAll(async () => {
  env = await createTestEnv();
  const libs = env.ctx.services.libraries;
  wardId = (await libs.create({ slug: 'phuong-7', name: 'Thư viện Phường 7', unionName: '', address: '', contact: '' })).id;
  otherWardId = (await libs.create({ slug: 'phuong-9', name: 'Thư viện Phường 9', unionName: '', address: '', contact: '' })).id;
});
afterAll(() => env?.cleanup());

async function signIn(email: string, next?: string) {
  const agent = request.agent(env.app);
  const form = await agent.get('/dang-nhap').expect(200);
  const res = await agent
    .post('/dang-nhap')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), email, password: TEST_PASSWORD, next: next ?? '/admin' })
    .expect(303);
  return { agent, location: res.headers.location };
}

describe('sign-in without a page asked for', () => {
  it('leads a ward librarian to their own library’s admin, not to the default library’s 403', async () => {
    const librarian = await createUser(env.ctx, 'librarian', 'thuthu-phuong-7@example.vn', wardId);
    const { agent, location } = await signIn(librarian.email);
    expect(location).toBe('/phuong-7/admin');
    await agent.get(location).expect(200);
    // Already signed in, the sign-in page leads there too.
    expect((await agent.get('/dang-nhap').expect(303)).headers.location).toBe('/phuong-7/admin');
  });

  it('leads an account of several libraries to the first it serves, and keeps /admin for the default library’s staff', async () => {
    const two = await createUser(env.ctx, 'leader', 'hai-phuong@example.vn', otherWardId);
    await env.ctx.services.users.assignStaff(wardId, two.id, 'librarian');
    expect((await signIn(two.email)).location).toBe('/phuong-7/admin');
    const own = await createUser(env.ctx, 'librarian', 'thuthu-mac-dinh@example.vn');
    expect((await signIn(own.email)).location).toBe('/admin');
  });

  it('keeps a page that was asked for', async () => {
    const librarian = await createUser(env.ctx, 'librarian', 'thuthu-2-phuong-7@example.vn', wardId);
    expect((await signIn(librarian.email, '/phuong-9/tim-kiem')).location).toBe('/phuong-9/tim-kiem');
  });
});

describe('sign-out', () => {
  it('leads back to the home of the library the person was in, and never off the site', async () => {
    const librarian = await createUser(env.ctx, 'librarian', 'thuthu-3-phuong-7@example.vn', wardId);
    const { agent, location } = await signIn(librarian.email);
    const admin = await agent.get(location).expect(200);
    expect(admin.text).toContain('name="next" value="/phuong-7/"'); // the sign-out form names the library
    const out = await agent
      .post('/dang-xuat')
      .type('form')
      .send({ _csrf: csrfFrom(admin.text), next: '/phuong-7/' })
      .expect(303);
    expect(out.headers.location).toBe('/phuong-7/');
    const home = await agent.get('/phuong-7/').expect(200);
    expect(home.text).toContain('Bạn đã đăng xuất.');
    expect(home.text).toContain('Thư viện Phường 7');

    const again = await signIn(librarian.email);
    const page = await again.agent.get(again.location).expect(200);
    const away = await again.agent
      .post('/dang-xuat')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), next: '//evil.example/' })
      .expect(303);
    expect(away.headers.location).toBe('/');
  });
});
