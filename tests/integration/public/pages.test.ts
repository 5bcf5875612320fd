import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../helpers/auth.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { gateAllowing, switchableGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv, defaultLibraryId } from '../../helpers/test-context.ts';

let env: TestEnv;
let kieu: FixtureBook;
let history: FixtureBook;
let draft: FixtureBook;
const gate = switchableGate();

beforeAll(async () => {
  // Consent rules are the consent feature's tests; here every book may be downloaded unless a test says otherwise.
  env = await createTestEnv({ publishGate: gate });
  kieu = await createBook(env.ctx, {
    title: 'Truyện Kiều',
    authors: ['Nguyễn Du'],
    categories: ['van-hoc-viet-nam'],
    description: 'Kiệt tác thơ lục bát của Nguyễn Du.\n\nBản in có chú giải.',
    year: 1820,
    pages: pagesWith(12, { 3: 'Trăm năm trong cõi người ta, chữ tài chữ mệnh khéo là ghét nhau.' }),
    outline: [
      { title: 'Phần một: Gặp gỡ và đính ước', page: 2, children: [{ title: 'Chị em Thúy Kiều', page: 3 }] },
      { title: 'Phần hai', page: 9 },
    ],
    withCover: true,
  });
  history = await createBook(env.ctx, {
    title: 'Lịch sử Việt Nam giản yếu',
    authors: ['Trần Trọng Kim'],
    categories: ['lich-su'],
    pages: pagesWith(5),
    index: false,
  });
  draft = await createBook(env.ctx, { title: 'Bản nháp chưa xuất bản', categories: ['lich-su'], pages: pagesWith(2), status: 'draft' });
});
afterAll(() => env.cleanup());

describe('home page', () => {
  it('shows the search box first, new and popular books, categories with counts, and the setup link while no account exists', async () => {
    const res = await request(env.app).get('/').expect(200);
    expect(res.text).toContain('<html lang="vi">');
    const searchAt = res.text.indexOf('action="/tim-kiem"');
    expect(searchAt).toBeGreaterThan(0);
    expect(searchAt).toBeLessThan(res.text.indexOf('Sách mới'));
    expect(res.text).toContain('Được đọc nhiều');
    expect(res.text).toContain(`href="/sach/${kieu.id}-truyen-kieu"`);
    expect(res.text).toContain('Văn học Việt Nam <span class="count">1 cuốn</span>');
    expect(res.text).toContain('Lịch sử <span class="count">1 cuốn</span>'); // the draft is not counted
    expect(res.text).not.toContain('Bản nháp chưa xuất bản');
    expect(res.text).toContain('id="continue"');
    expect(res.text).toContain('href="/setup"');
    // No render-blocking script: only module scripts (deferred by definition).
    expect(res.text).not.toMatch(/<script(?![^>]*type="module")[^>]*src=/);
    // Covers: WebP with JPEG fallback, width/height set, lazy.
    expect(res.text).toMatch(/<source type="image\/webp" srcset="\/sach\/\d+\/bia-200\.webp\?v=1 200w/);
    expect(res.text).toMatch(/<img class="cover" src="\/sach\/\d+\/bia-200\.jpg\?v=1" width="200" height="283" alt="" loading=lazy/);
  });

  it('hides the setup link once an account exists, and keeps the language switch', async () => {
    await createUser(env.ctx, 'admin');
    const res = await request(env.app).get('/').expect(200);
    expect(res.text).not.toContain('href="/setup"');
    const sw = await request(env.app).get('/ngon-ngu/en?next=/the-loai').expect(303);
    expect(sw.headers.location).toBe('/the-loai');
    const en = await request(env.app).get('/').set('Cookie', 'tvs.lang=en').expect(200);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('New books');
  });

  it('welcomes a visitor who arrived through a location QR code, naming the place', async () => {
    const place = await env.ctx.services.locations.create(await defaultLibraryId(env.ctx), {
      name: 'Cà phê Sách Hoa Sữa',
      kind: 'cafe',
      address: '12 Lý Thường Kiệt',
      ward: 'Phường 1',
      note: null,
      contact: null,
    });
    const agent = request.agent(env.app);
    const scan = await agent.get(`/q/${place.code}`).set('User-Agent', 'Mozilla/5.0 (Linux; Android 10) Mobile');
    expect([302, 303]).toContain(scan.status);
    const home = await agent.get('/').set('User-Agent', 'Mozilla/5.0 (Linux; Android 10) Mobile').expect(200);
    expect(home.text).toContain('Chào mừng bạn đến từ Cà phê Sách Hoa Sữa!');
    const direct = await request(env.app).get('/').expect(200);
    expect(direct.text).not.toContain('Chào mừng bạn đến từ');
  });

  it('orders popular books by reader opens, ignoring crawlers', async () => {
    const ua = 'Mozilla/5.0 (Linux; Android 10) Mobile Safari/537.36';
    await request(env.app).get(`/doc/${history.id}`).set('User-Agent', ua).expect(200);
    await request(env.app).get(`/doc/${kieu.id}`).set('User-Agent', 'Googlebot/2.1 (+http://www.google.com/bot.html)').expect(200);
    const popular = await env.ctx.repos.publicBooks.popular(await defaultLibraryId(env.ctx), 5);
    expect(popular.map((b) => b.id)).toEqual([history.id, kieu.id]);
  });
});

describe('book page', () => {
  it('redirects to the canonical slug URL', async () => {
    const res = await request(env.app).get(`/sach/${kieu.id}`).expect(301);
    expect(res.headers.location).toBe(`/sach/${kieu.id}-truyen-kieu`);
  });

  it('shows metadata, the outline linking to pages, read/text/download buttons, rights, share links and Open Graph tags', async () => {
    const res = await request(env.app).get(`/sach/${kieu.id}-truyen-kieu`).expect(200);
    const html = res.text;
    expect(html).toContain('<h1>Truyện Kiều</h1>');
    expect(html).toContain('href="/tac-gia/nguyen-du"');
    expect(html).toContain(`<a href="/doc/${kieu.id}?trang=2#page=2">Phần một: Gặp gỡ và đính ước</a>`);
    expect(html).toContain(`<a href="/doc/${kieu.id}?trang=3#page=3">Chị em Thúy Kiều</a>`);
    expect(html).toContain(`href="/doc/${kieu.id}">Đọc sách</a>`);
    expect(html).toContain(`href="/doc/${kieu.id}/trang/1"`);
    expect(html).toContain(`href="/sach/${kieu.id}/tep.pdf?download=1" download`);
    expect(html).toMatch(/<h2>Bản quyền<\/h2>\s*<p class="rights">[^<]+<\/p>/);
    expect(html).toContain('<meta property="og:title" content="Truyện Kiều">');
    expect(html).toContain(`<meta property="og:image" content="http://localhost:3000/sach/${kieu.id}/bia-400.jpg?v=1">`);
    // The fixture cover is 1×1 (not landscape): a summary card, with its size declared.
    expect(html).toContain('<meta name="twitter:card" content="summary">');
    expect(html).toContain('<meta property="og:image:height" content="1">');
    expect(html).toContain('https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Flocalhost%3A3000%2Fsach%2F');
    expect(html).toContain('<p>Bản in có chú giải.</p>');
  });

  it('offers no download where the consent does not allow it, and refuses the download URL', async () => {
    gate.use(gateAllowing({ noDownload: () => true }));
    try {
      const res = await request(env.app).get(`/sach/${kieu.id}-truyen-kieu`).expect(200);
      expect(res.text).not.toContain('?download=1');
      await request(env.app).get(`/sach/${kieu.id}/tep.pdf?download=1`).expect(403);
      await request(env.app).get(`/sach/${kieu.id}/tep.pdf`).expect(403); // read online only: page pictures, never the file
    } finally {
      gate.reset();
    }
  });

  it('answers 404 for drafts and unknown books', async () => {
    await request(env.app).get(`/sach/${draft.id}`).expect(404);
    await request(env.app).get('/sach/999999').expect(404);
    await request(env.app).get('/sach/abc').expect(404);
  });
});

describe('category and author pages', () => {
  it('lists the published books of a category, with counts', async () => {
    const res = await request(env.app).get('/the-loai/lich-su').expect(200);
    expect(res.text).toContain('<h1>Lịch sử</h1>');
    expect(res.text).toContain('Lịch sử Việt Nam giản yếu');
    expect(res.text).toContain('1 cuốn');
    expect(res.text).not.toContain('Bản nháp');
    await request(env.app).get('/the-loai/khong-co').expect(404);
    const cat = await env.ctx.db
      .selectFrom('categories')
      .select(['id', 'library_id'])
      .where('slug', '=', 'lich-su')
      .executeTakeFirstOrThrow();
    await env.ctx.db
      .insertInto('category_redirects')
      .values({ library_id: cat.library_id, slug: 'su-viet', category_id: cat.id })
      .execute();
    const moved = await request(env.app).get('/the-loai/su-viet').expect(301);
    expect(moved.headers.location).toBe('/the-loai/lich-su');
    const all = await request(env.app).get('/the-loai').expect(200);
    expect(all.text).toContain('href="/the-loai/van-hoc-viet-nam"');
  });

  it("lists an author's books", async () => {
    const res = await request(env.app).get('/tac-gia/nguyen-du').expect(200);
    expect(res.text).toContain('<h1>Nguyễn Du</h1>');
    expect(res.text).toContain('Truyện Kiều');
    await request(env.app).get('/tac-gia/khong-ai').expect(404);
  });
});

describe('installable app', () => {
  it('serves a manifest, icons and a root-scoped service worker', async () => {
    const m = await request(env.app).get('/manifest.webmanifest').expect(200);
    expect(m.headers['content-type']).toContain('application/manifest+json');
    const manifest = JSON.parse(m.text) as { start_url: string; display: string; icons: Array<{ src: string; sizes: string }> };
    expect(manifest.display).toBe('standalone');
    for (const icon of manifest.icons) await request(env.app).get(icon.src).expect(200);
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    const sw = await request(env.app).get('/sw.js').expect(200);
    expect(sw.headers['content-type']).toContain('javascript');
    expect(sw.headers['service-worker-allowed']).toBe('/');
    expect(sw.text).toContain('addEventListener');
    expect(sw.text).toMatch(/const VERSION = '[0-9a-f]{12}';/); // versioned by the files it caches
    await request(env.app).get('/ngoai-tuyen').expect(200);
  });
});
