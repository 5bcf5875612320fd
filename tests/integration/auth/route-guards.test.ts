import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../src/db/schema/users.ts';
import { createUser, csrfFrom, signedInAgent, signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

interface RouteCase {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  roles: Role[];
}

/** Walks every admin router registered by createApp and lists its routes with the roles they admit. */
function adminRoutes(env: TestEnv): RouteCase[] {
  const cases: RouteCase[] = [];
  for (const { mountPath, roles, router } of env.app.adminRouters) {
    for (const layer of router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>) {
      if (!layer.route) continue;
      const sub = layer.route.path === '/' ? '' : layer.route.path;
      // Route parameters get a plausible value: the guard must answer before any lookup happens.
      const path = `${mountPath}${sub}`.replace(/:[a-zA-Z]+(\([^)]*\))?/g, '1') || '/';
      for (const method of Object.keys(layer.route.methods)) {
        if (method === '_all') continue;
        cases.push({ method: method as RouteCase['method'], path, roles });
      }
    }
  }
  return cases;
}

let env: TestEnv;
const agents = {} as Record<Role, { agent: Agent; csrf: string }>;
/** Staff of ANOTHER library (ward B), in every role, and a city admin who serves no library by membership. */
const otherLibrary = {} as Record<Role, { agent: Agent; csrf: string }>;
let cityAdmin: { agent: Agent; csrf: string };
beforeAll(async () => {
  env = await createTestEnv();
  for (const role of ['admin', 'librarian', 'leader'] as const) agents[role] = await signInAs(env.app, env.ctx, role);
  const wardB = await env.ctx.services.libraries.create({ slug: 'phuong-b', name: 'Phường B', unionName: '', address: '', contact: '' });
  for (const role of ['admin', 'librarian', 'leader'] as const) {
    const user = await createUser(env.ctx, role, undefined, wardB.id);
    // Their own admin pages are at /phuong-b/admin: sign in there.
    otherLibrary[role] = await signedInAgent(env.app, user.email, undefined, '/phuong-b/admin');
  }
  const city = await createUser(env.ctx, 'leader', undefined, wardB.id);
  await env.ctx.repos.users.setCityRole(city.id, 'city_admin');
  cityAdmin = await signedInAgent(env.app, city.email);
});
afterAll(() => env.cleanup());

describe('admin route guards', () => {
  it('finds the admin routes to check', () => {
    const cases = adminRoutes(env);
    expect(cases.length).toBeGreaterThan(5);
    expect(cases.some((c) => c.path === '/admin/users' && c.method === 'post')).toBe(true);
  });

  it('sends anonymous visitors to the sign-in page from every admin route (HTML) and answers 401 to JSON clients', async () => {
    // An anonymous visitor with a valid CSRF token (from the sign-in form), so that state-changing
    // requests reach the role guard instead of being stopped by the CSRF check first.
    const anonymous = request.agent(env.app);
    const token = csrfFrom((await anonymous.get('/dang-nhap').expect(200)).text);
    for (const c of adminRoutes(env)) {
      const res = await anonymous[c.method](c.path).set('x-csrf-token', token).set('Accept', 'text/html');
      expect(res.status, `${c.method} ${c.path}`).toBe(303);
      expect(res.headers.location).toBe(`/dang-nhap?next=${encodeURIComponent(c.path)}`);
      const json = await anonymous[c.method](c.path).set('x-csrf-token', token).set('Accept', 'application/json');
      expect(json.status, `${c.method} ${c.path} json`).toBe(401);
    }
  });

  it('answers 403 to signed-in staff whose role is not allowed, on every admin route', async () => {
    let checked = 0;
    for (const c of adminRoutes(env)) {
      for (const role of ['admin', 'librarian', 'leader'] as const) {
        if (c.roles.includes(role)) continue;
        const { agent, csrf } = agents[role];
        const res = await agent[c.method](c.path).set('x-csrf-token', csrf).set('Accept', 'text/html');
        expect(res.status, `${role} ${c.method} ${c.path}`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('answers 403 to staff of another library, in every role, on EVERY admin route of this library', async () => {
    let checked = 0;
    for (const c of adminRoutes(env)) {
      for (const role of ['admin', 'librarian', 'leader'] as const) {
        const { agent, csrf } = otherLibrary[role];
        const res = await agent[c.method](c.path).set('x-csrf-token', csrf).set('Accept', 'text/html');
        expect(res.status, `${role} of another library: ${c.method} ${c.path}`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('lets staff of a library through on the same routes under its own address /{slug}/admin/…', async () => {
    for (const c of adminRoutes(env).filter((r) => r.method === 'get')) {
      const { agent } = otherLibrary[c.roles[0]];
      const res = await agent.get(`/phuong-b${c.path}`);
      expect([401, 403], `${c.roles[0]} GET /phuong-b${c.path}`).not.toContain(res.status);
    }
  });

  it('lets a city admin through (not 401/403) on every GET admin route of any library', async () => {
    for (const c of adminRoutes(env).filter((r) => r.method === 'get')) {
      for (const prefix of ['', '/phuong-b']) {
        const res = await cityAdmin.agent.get(prefix + c.path);
        expect([401, 403], `city admin GET ${prefix}${c.path}`).not.toContain(res.status);
      }
    }
  });

  it('lets an allowed role through (not 401/403) on every GET admin route', async () => {
    for (const c of adminRoutes(env).filter((r) => r.method === 'get')) {
      const { agent } = agents[c.roles[0]];
      const res = await agent.get(c.path);
      expect([401, 403], `${c.roles[0]} GET ${c.path}`).not.toContain(res.status);
    }
  });
});
