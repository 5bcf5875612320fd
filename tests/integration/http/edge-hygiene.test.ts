import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, signInAs, type Agent } from '../../helpers/auth.ts';
import { allRoutes as routesOf } from '../../helpers/routes.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';

/**
 * Sweeps every route createApp registers (public and admin) with hostile input — NUL and other
 * control characters, lone surrogates, malformed %-escapes, repeated parameters — in the query,
 * the path, the body, cookies and headers, anonymously and as a signed-in admin: never a 5xx, and
 * the crafted variants get the one clear 400.
 */

const allRoutes = (e: TestEnv) => routesOf(e.app);

let env: TestEnv;
let anonymous: { agent: Agent; csrf: string };
let admin: { agent: Agent; csrf: string };
beforeAll(async () => {
  env = await createTestEnv();
  const agent = request.agent(env.app);
  anonymous = { agent, csrf: csrfFrom((await agent.get('/dang-nhap').expect(200)).text) };
  admin = await signInAs(env.app, env.ctx, 'admin');
});
afterAll(() => env.cleanup());

const withQuery = (path: string, q: string) => `${path}${path.includes('?') ? '&' : '?'}${q}`;

describe('input hygiene on every route', () => {
  it('finds public, reader, API and admin routes to sweep', () => {
    const routes = allRoutes(env);
    expect(routes.length).toBeGreaterThan(40);
    for (const p of ['/', '/api/search', '/q/1', '/dang-nhap', '/admin/users'])
      expect(
        routes.some((r) => r.path === p),
        p,
      ).toBe(true);
  });

  for (const who of ['anonymous', 'admin'] as const) {
    it(`answers 400 to crafted query, path, cookie and body input on every route (${who}), never 5xx`, async () => {
      const { agent, csrf } = who === 'admin' ? admin : anonymous;
      const failures: string[] = [];
      const expect400 = async (label: string, res: Promise<request.Response>) => {
        const r = await res;
        if (r.status !== 400) failures.push(`${label} → ${r.status}`);
      };
      for (const { method, path } of allRoutes(env)) {
        const send = (url: string) => agent[method](url).set('x-csrf-token', csrf);
        const id = `${who} ${method.toUpperCase()} ${path}`;
        await expect400(`${id} ?q=NUL`, send(withQuery(path, 'q=a%00b')));
        await expect400(`${id} ?q=C0`, send(withQuery(path, 'q=a%07b')));
        await expect400(`${id} ?q=surrogate`, send(withQuery(path, 'q=%ED%A0%80')));
        await expect400(`${id} ?q=%E0`, send(withQuery(path, 'q=%E0')));
        await expect400(`${id} repeated`, send(withQuery(path, 'from=2026-01-01&from=2026-02-01')));
        await expect400(`${id} cookie NUL`, send(path).set('Cookie', 'tvs.lang=%00'));
        if (path.includes('/1')) {
          await expect400(`${id} param NUL`, send(path.replace('/1', '/%00')));
          await expect400(`${id} param %E0`, send(path.replace('/1', '/%E0')));
        }
        if (method !== 'get') {
          await expect400(`${id} form NUL`, send(path).type('form').send('name=a%00b&title=x'));
          await expect400(`${id} form %E0`, send(path).type('form').send('title=%E0'));
          await expect400(`${id} json NUL`, send(path).type('json').send('{"name":"a\\u0000b"}'));
          await expect400(`${id} json surrogate`, send(path).type('json').send('{"q":"\\ud800"}'));
        }
      }
      expect(failures).toEqual([]);
    });

    it(`never answers 5xx to plain requests with a malformed language cookie on every route (${who})`, async () => {
      const { agent, csrf } = who === 'admin' ? admin : anonymous;
      const failures: string[] = [];
      // Signing out would end the admin's session half-way through the sweep.
      for (const { method, path } of allRoutes(env).filter((r) => r.path !== '/dang-xuat')) {
        const r = await agent[method](path).set('x-csrf-token', csrf).set('Cookie', 'tvs.lang=%E0; tvs.v=%E0%A4%A');
        if (r.status >= 500) failures.push(`${who} ${method.toUpperCase()} ${path} → ${r.status}`);
      }
      expect(failures).toEqual([]);
      if (who === 'admin') await agent.get('/admin').expect(200); // the sweep really ran signed in
    });
  }

  it('answers the rejection in Vietnamese for pages and as a JSON error for the API', async () => {
    const page = await request(env.app).get('/?q=a%00b').set('Accept', 'text/html').expect(400);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('ký tự không hợp lệ');
    expect(page.text).not.toMatch(/at .*\.ts:\d+|node_modules|Error:/);
    const api = await request(env.app).get('/api/search?q=a%00b').expect(400);
    expect(api.body.error.code).toBe('invalid_input');
    const statsDup = await admin.agent.get('/admin/thong-ke?from=2026-01-01&from=2026-02-01');
    expect(statsDup.status).toBe(400);
  });

  it('renders the page in the default language when the language cookie is a malformed escape', async () => {
    const r = await request(env.app).get('/').set('Cookie', 'tvs.lang=%E0').expect(200);
    expect(r.text).toContain('<html lang="vi"');
  });

  it('rejects a NUL in an uploaded file name with a 400 and keeps no temporary file', async () => {
    const { agent, csrf } = admin;
    const r = await agent
      .post('/admin/books/upload')
      .set('x-csrf-token', csrf)
      .set('Accept', 'application/json')
      .attach('files', Buffer.from('%PDF-1.4\n%%EOF\n'), { filename: 'a\u0000b.pdf', contentType: 'application/pdf' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_input');
    // A control character busboy lets through is caught by the check after multer.
    const bell = await agent
      .post('/admin/books/upload')
      .set('x-csrf-token', csrf)
      .set('Accept', 'application/json')
      .attach('files', Buffer.from('%PDF-1.4\n%%EOF\n'), { filename: 'a\u0007b.pdf', contentType: 'application/pdf' });
    expect(bell.status).toBe(400);
    expect(bell.body.error.code).toBe('invalid_input');
    expect(await fs.readdir(path.join(env.config.storageDir, 'tmp')).catch(() => [])).toEqual([]);
    expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 5, offset: 0 })).total).toBe(0);
  });

  it('lets Node refuse a raw control character in a header (400), and the server keeps serving', async () => {
    const addr = await new Promise<net.AddressInfo>((resolve) => {
      const s = env.app.listen(0, '127.0.0.1', () => resolve(s.address() as net.AddressInfo));
      servers.push(s);
    });
    const reply = await new Promise<string>((resolve) => {
      const sock = net.connect(addr.port, '127.0.0.1', () =>
        sock.end('GET / HTTP/1.1\r\nHost: x\r\nX-Test: a\u0001b\r\nConnection: close\r\n\r\n'),
      );
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('close', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    await request(env.app).get('/').expect(200);
  });
});

const servers: import('node:http').Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

describe('production-safe errors', () => {
  it('maps a ZodError escaping a handler to a 400, not a 500', async () => {
    const { toAppError } = await import('../../../src/http/error-handler.ts');
    const { z } = await import('zod');
    const r = z.object({ from: z.string() }).safeParse({ from: ['a', 'b'] });
    expect(r.success).toBe(false);
    const e = toAppError(r.error);
    expect(e?.status).toBe(400);
    expect(e?.fields).toEqual({ from: 'error.invalid' });
  });

  it('shows no internal error text or stack for an unexpected error, even in development mode', async () => {
    const dev = await createTestEnv({ env: { NODE_ENV: 'development' } });
    try {
      // An unexpected failure inside a service (not an AppError), whose text names server internals.
      (dev.ctx.services.publicSite as unknown as { home: () => Promise<unknown> }).home = () =>
        Promise.reject(new Error('bí mật nội bộ at /srv/thu-vien-so/src/secret.ts:12'));
      for (const accept of ['text/html', 'application/json']) {
        const r = await request(dev.app).get('/').set('Accept', accept);
        expect(r.status).toBe(500);
        expect(r.text).not.toMatch(/bí mật nội bộ|secret\.ts|\/srv\/|Error:/);
        expect(r.text).toContain(accept === 'text/html' ? 'Máy chủ gặp sự cố' : '"code":"internal"');
      }
    } finally {
      await dev.cleanup();
    }
  });

  it('sends a plain last-resort page, with no stack or server path, when the error page itself cannot render', async () => {
    const views = env.app.get('views') as string;
    env.app.set('views', '/nonexistent-views');
    try {
      const r = await request(env.app).get('/khong-co-trang-nay').set('Accept', 'text/html');
      expect(r.status).toBe(404);
      expect(r.text).toContain('Có lỗi xảy ra');
      expect(r.text).not.toMatch(/nonexistent|node_modules|\.ts:\d+|Error:|at /);
    } finally {
      env.app.set('views', views);
    }
    await request(env.app).get('/khong-co-trang-nay').set('Accept', 'text/html').expect(404);
  });
});
