import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, signedInAgent } from '../../helpers/auth.ts';
import { createTestEnv, defaultLibraryId, type TestEnv } from '../../helpers/test-context.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

describe('first-run setup', () => {
  it('links to /setup from the home page while no account exists', async () => {
    const home = await request(env.app).get('/').expect(200);
    expect(home.text).toContain('href="/setup"');
    expect(home.text).toContain('Thiết lập thư viện lần đầu');
  });

  it('rejects a mismatched password with a Vietnamese field error and keeps the typed values', async () => {
    const agent = request.agent(env.app);
    const page = await agent.get('/setup').expect(200);
    const res = await agent
      .post('/setup')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        displayName: 'Nguyễn Văn An',
        email: 'an@example.vn',
        password: 'mot-mat-khau-dai',
        passwordConfirm: 'khac-hoan-toan',
      })
      .expect(400);
    expect(res.text).toContain('Hai mật khẩu không khớp nhau.');
    expect(res.text).toContain('value="Nguyễn Văn An"');
    expect(res.text).not.toContain('mot-mat-khau-dai');
    expect(await env.ctx.repos.users.count()).toBe(0);
  });

  it('creates exactly one administrator even when two setups race', async () => {
    const agents = [request.agent(env.app), request.agent(env.app)];
    const tokens = await Promise.all(agents.map(async (a) => csrfFrom((await a.get('/setup').expect(200)).text)));
    const results = await Promise.all(
      agents.map((a, i) =>
        a
          .post('/setup')
          .type('form')
          .send({
            _csrf: tokens[i],
            displayName: `Admin ${i}`,
            email: `admin${i}@example.vn`,
            password: 'mat-khau-rat-dai',
            passwordConfirm: 'mat-khau-rat-dai',
          }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([303, 409]);
    const users = await env.ctx.repos.users.listAll();
    expect(users).toHaveLength(1);
    // The first account runs the whole install: city admin, and admin of the default library.
    expect(users[0].city_role).toBe('city_admin');
    expect([...(await env.ctx.repos.users.membershipsOf(users[0].id))]).toEqual([[await defaultLibraryId(env.ctx), 'admin']]);
    expect(users[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('the database itself refuses a second setup administrator', async () => {
    await expect(
      env.ctx.db
        .insertInto('users')
        .values({
          email: 'x@example.vn',
          display_name: 'X',
          role: 'admin',
          password_hash: null,
          created_via_setup: true,
          disabled_at: null,
          last_login_at: null,
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('is gone once an account exists', async () => {
    await request(env.app).get('/setup').expect(404);
    const home = await request(env.app).get('/').expect(200);
    expect(home.text).not.toContain('href="/setup"');
  });

  it('the administrator can sign in and out', async () => {
    const { agent, csrf } = await signedInAgent(env.app, 'admin0@example.vn', 'mat-khau-rat-dai').catch(() =>
      signedInAgent(env.app, 'admin1@example.vn', 'mat-khau-rat-dai'),
    );
    await agent.get('/admin/users').expect(200);
    await agent.post('/dang-xuat').type('form').send({ _csrf: csrf }).expect(303);
    const after = await agent.get('/admin/users').expect(303);
    expect(after.headers.location).toBe('/dang-nhap?next=%2Fadmin%2Fusers');
  });
});
