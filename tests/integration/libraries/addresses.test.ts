import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESERVED_SEGMENTS } from '../../../src/features/libraries/reserved-segments.ts';
import { createBook } from '../../helpers/books.ts';
import { allRoutes } from '../../helpers/routes.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/** Libraries' addresses: the default at `/` (and `/thu-vien/`), the others at `/{slug}/…` or by host name. */
let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ env: { LIBRARY_HOSTS: 'phuong1.example.vn=phuong-1' } });
  await env.ctx.services.libraries.create({
    slug: 'phuong-1',
    name: 'Thư viện Phường 1',
    unionName: 'Đoàn phường 1',
    address: '',
    contact: '',
  });
  await createBook(env.ctx, { title: 'Sách của thư viện mặc định', pages: ['Trang một'] });
});
afterAll(() => env.cleanup());

const heading = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';

describe('library addresses', () => {
  it('serves the default library at / and at /thu-vien/ alike', async () => {
    const root = await request(env.app).get('/').expect(200);
    const slugged = await request(env.app).get('/thu-vien/').expect(200);
    expect(heading(root.text)).toBe(heading(slugged.text));
    expect(root.text).toContain('Sách của thư viện mặc định');
    expect(slugged.text).toContain('Sách của thư viện mặc định');
  });

  it('serves another library at /{slug}/ and by its configured host name at /', async () => {
    const bySlug = await request(env.app).get('/phuong-1/').expect(200);
    expect(bySlug.text).toContain('Thư viện Phường 1');
    const byHost = await request(env.app).get('/').set('Host', 'phuong1.example.vn').expect(200);
    expect(byHost.text).toContain('Thư viện Phường 1');
  });

  it('keeps every existing address of the default library, and answers 404 for an unknown library', async () => {
    await request(env.app).get('/tim-kiem').expect(200);
    await request(env.app).get('/dang-nhap').expect(200);
    await request(env.app).get('/khong-co-thu-vien-nay/').expect(404);
  });

  it('lists the first segment of every registered route as reserved, so no library slug can shadow a page', () => {
    const firsts = new Set(
      allRoutes(env.app)
        .map((r) => r.path.split('/')[1])
        .filter((s) => s && s !== '1'),
    );
    expect(firsts.size).toBeGreaterThan(5);
    for (const segment of firsts) expect(RESERVED_SEGMENTS.has(segment), segment).toBe(true);
  });

  it('refuses a slug of the wrong shape, a reserved one, or one already taken, with a field error', async () => {
    const base = { name: 'Thư viện X', unionName: '', address: '', contact: '' };
    const fieldOf = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (err: { fields?: Record<string, string> }) => err.fields?.slug ?? null,
      );
    expect(await fieldOf(env.ctx.services.libraries.create({ ...base, slug: 'Phường 2' }))).toBe('libraries.validation.slug');
    expect(await fieldOf(env.ctx.services.libraries.create({ ...base, slug: '-a' }))).toBe('libraries.validation.slug');
    expect(await fieldOf(env.ctx.services.libraries.create({ ...base, slug: 'admin' }))).toBe('libraries.validation.slugReserved');
    expect(await fieldOf(env.ctx.services.libraries.create({ ...base, slug: 'sach' }))).toBe('libraries.validation.slugReserved');
    expect(await fieldOf(env.ctx.services.libraries.create({ ...base, slug: 'phuong-1' }))).toBe('libraries.validation.slugTaken');
  });
});
