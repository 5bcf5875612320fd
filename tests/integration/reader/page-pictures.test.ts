import fs from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagePictures } from '../../../src/features/reader/page-pictures.ts';
import {
  PRERENDER_JOB,
  PRERENDER_LIBRARY_JOB,
  prerenderBook,
  queueLibraryPrerender,
  registerReaderJobs,
} from '../../../src/features/reader/page-prerender.ts';
import { recordConsent } from '../../helpers/consent-fixtures.ts';
import { createBook, pagesWith, withdrawBook, type FixtureBook } from '../../helpers/books.ts';
import { webpSize } from '../../helpers/image-size.ts';
import { gateAllowing } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/** The page-picture reader (src/features/reader/picture.routes.ts, page-pictures.ts, reader-choice.ts). */
let env: TestEnv;
let book: FixtureBook;
let onlineOnly: FixtureBook;

const PHONE = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
const picture = (url: string) =>
  request(env.app)
    .get(url)
    .buffer(true)
    .parse(binary as never);
const stored = (key: string) =>
  fs.stat(env.ctx.storage.path('pages', key)).then(
    () => true,
    () => false,
  );
async function until(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

beforeAll(async () => {
  env = await createTestEnv({ publishGate: gateAllowing({ noDownload: (id) => id === onlineOnly?.id }) });
  book = await createBook(env.ctx, {
    title: 'Bạn đọc và sách',
    authors: ['Tô Hoài'],
    pages: pagesWith(6, { 2: 'An và bạn đọc sách ân tình.\nToán học cho bạn.' }),
  });
  onlineOnly = await createBook(env.ctx, { title: 'Sách chỉ đọc trực tuyến', pages: pagesWith(3) });
}, 60_000);
afterAll(() => env?.cleanup());

describe('which reader /doc/:id opens', () => {
  it('pictures on a phone, with Save-Data or on a slow connection; pdf.js on a desktop where download is allowed', async () => {
    const phone = await request(env.app).get(`/doc/${book.id}`).set('User-Agent', PHONE).expect(200);
    expect(phone.text).toContain(
      `srcset="/sach/${book.id}/anh/1-480.webp 480w, /sach/${book.id}/anh/1-720.webp 720w, /sach/${book.id}/anh/1-1080.webp 1080w"`,
    );
    expect(phone.text).not.toContain('pdf.min.mjs');
    expect(phone.text).not.toContain('tep.pdf');
    expect(phone.text).toContain('Đọc bản gốc (PDF)');
    expect(phone.headers['accept-ch']).toContain('ECT');
    expect(phone.headers['vary']).toContain('Save-Data');

    const saveData = await request(env.app).get(`/doc/${book.id}`).set('User-Agent', DESKTOP).set('Save-Data', 'on').expect(200);
    expect(saveData.text).toContain('/anh/1-480.webp 480w');
    expect(saveData.text).not.toContain('1080w'); // Save-Data: never the largest picture
    const slow = await request(env.app).get(`/doc/${book.id}`).set('User-Agent', DESKTOP).set('ECT', '3g').expect(200);
    expect(slow.text).toContain('page-reader.js');
    const mobileHint = await request(env.app).get(`/doc/${book.id}`).set('User-Agent', DESKTOP).set('Sec-CH-UA-Mobile', '?1').expect(200);
    expect(mobileHint.text).toContain('page-reader.js');

    const desktop = await request(env.app).get(`/doc/${book.id}`).set('User-Agent', DESKTOP).expect(200);
    expect(desktop.text).toContain('pdf.min.mjs');
    expect(desktop.text).toContain(`data-pdf="/sach/${book.id}/tep.pdf"`);
    const asked = await request(env.app).get(`/doc/${book.id}?ban=pdf`).set('User-Agent', PHONE).expect(200);
    expect(asked.text).toContain('pdf.min.mjs');
  });

  it('always pictures for a book read online only: no pdf.js, no PDF link, even when asked for', async () => {
    for (const ua of [DESKTOP, PHONE]) {
      const res = await request(env.app).get(`/doc/${onlineOnly.id}?ban=pdf`).set('User-Agent', ua).expect(200);
      expect(res.text).toContain('page-reader.js');
      expect(res.text).not.toContain('pdf.min.mjs');
      expect(res.text).not.toContain('tep.pdf');
      expect(res.text).not.toContain('Đọc bản gốc (PDF)');
    }
    await request(env.app).get(`/sach/${onlineOnly.id}/anh/1-480.webp`).expect(200);
  });

  it('a passage link (?trang=N) opens that page directly: its picture is the first and only one in the page', async () => {
    const res = await request(env.app).get(`/doc/${book.id}?trang=5&q=x`).set('User-Agent', PHONE).expect(200);
    expect(res.text).toContain(`src="/sach/${book.id}/anh/5-720.webp"`);
    expect(res.text).not.toContain('/anh/1-');
    expect(res.text).toContain(`href="/doc/${book.id}/anh/6?q=x"`);
  });
});

describe('page pictures', () => {
  it('renders a page on first request as WebP at the asked width, keeps it on disk, and renders the next pages ahead', async () => {
    const book = await createBook(env.ctx, { title: 'Sách mới tinh', pages: pagesWith(6) });
    expect(await stored(`${book.id}/3-720.webp`)).toBe(false);
    const first = await picture(`/sach/${book.id}/anh/3-720.webp`).expect(200);
    expect(first.headers['content-type']).toBe('image/webp');
    expect(first.headers['cache-control']).toBe('no-cache');
    const img = first.body as Buffer;
    expect(webpSize(img).width).toBe(720);
    expect(img.length).toBeLessThan(80 * 1024);
    expect(await stored(`${book.id}/3-720.webp`)).toBe(true);
    // Prefetch on the server: pages 4 and 5 at the same width are rendered without being asked.
    expect(await until(() => stored(`${book.id}/4-720.webp`))).toBe(true);
    expect(await until(() => stored(`${book.id}/5-720.webp`))).toBe(true);
    const again = await picture(`/sach/${book.id}/anh/3-720.webp`).expect(200);
    expect(Buffer.compare(again.body as Buffer, img)).toBe(0);
    // Revalidation is a body-less 304.
    await request(env.app).get(`/sach/${book.id}/anh/3-720.webp`).set('If-None-Match', again.headers.etag).expect(304);
    const small = await picture(`/sach/${book.id}/anh/3-480.webp`).expect(200);
    expect(webpSize(small.body as Buffer).width).toBe(480);
  });

  it('refuses widths, pages and names it does not offer (404), and never escapes storage', async () => {
    await request(env.app).get(`/sach/${book.id}/anh/3-500.webp`).expect(404);
    await request(env.app).get(`/sach/${book.id}/anh/7-720.webp`).expect(404);
    await request(env.app).get(`/sach/${book.id}/anh/0-720.webp`).expect(404);
    await request(env.app).get(`/sach/${book.id}/anh/..%2F..%2Fbooks-720.webp`).expect(404);
    await request(env.app).get(`/doc/${book.id}/anh/99`).expect(404);
  });

  it('lists the table of contents as plain links to page pictures', async () => {
    const withToc = await createBook(env.ctx, {
      title: 'Sách có mục lục',
      pages: pagesWith(4),
      outline: [{ title: 'Chương hai', page: 3 }],
    });
    const res = await request(env.app).get(`/doc/${withToc.id}/anh/1`).expect(200);
    expect(res.text).toContain(`<a href="/doc/${withToc.id}/anh/3">Chương hai</a>`);
  });

  it('works without JavaScript: plain links page to page, a page-jump form, an <img> with srcset', async () => {
    const res = await request(env.app).get(`/doc/${book.id}/anh/3`).expect(200);
    expect(res.text).toContain(`rel="prev" href="/doc/${book.id}/anh/2"`);
    expect(res.text).toContain(`rel="next" href="/doc/${book.id}/anh/4"`);
    expect(res.text).toMatch(
      /<img id="page-img" src="\/sach\/\d+\/anh\/3-(480|720|1080)\.webp" srcset="[^"]+ 480w, [^"]+ 720w, [^"]+ 1080w"/,
    );
    expect(res.text).toContain(`href="/doc/${book.id}/trang/3"`); // text mode of the same page
    await request(env.app).get(`/doc/${book.id}/anh?n=4`).expect(303).expect('Location', `/doc/${book.id}/anh/4`);
    const last = await request(env.app).get(`/doc/${book.id}/anh/6`).expect(200);
    expect(last.text).not.toContain('rel="next" href');
  });

  it('draws search hits as boxes over the picture: whole syllables, diacritics folded ("an" ≠ the "an" in "bạn")', async () => {
    // A page never rendered: sent at once, the boxes left to the script (which asks the API below).
    const fresh = await createBook(env.ctx, { title: 'Sách chưa ai mở', pages: pagesWith(2) });
    const cold = await request(env.app).get(`/doc/${fresh.id}/anh/2?q=an`).expect(200);
    expect(cold.text).toContain('data-marks="pending"');
    // The picture alone never computes the word boxes (they are not on its critical path)…
    await picture(`/sach/${book.id}/anh/2-480.webp`).expect(200);
    expect(await stored(`${book.id}/2.json`)).toBe(false);
    expect((await request(env.app).get(`/doc/${book.id}/anh/2?q=an`).expect(200)).text).toContain('data-marks="pending"');
    // …the script's request for them does, without drawing a picture; from then on they come with
    // the HTML, for readers without JavaScript too.
    await env.ctx.services.pagePictures.removeBook(book.id);
    expect((await request(env.app).get(`/api/sach/${book.id}/anh/2?q=an`).expect(200)).body.boxes).toHaveLength(2);
    expect(await stored(`${book.id}/2.json`)).toBe(true);
    expect(await stored(`${book.id}/2-480.webp`)).toBe(false);
    const res = await request(env.app).get(`/doc/${book.id}/anh/2?q=an`).expect(200);
    expect(res.text).not.toContain('data-marks="pending"');
    const boxes = [...res.text.matchAll(/<span style="left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;height:([\d.]+)%"><\/span>/g)];
    // "An" and "ân" — not "bạn" (twice) nor "Toán".
    expect(boxes).toHaveLength(2);
    expect(res.text).toContain('Đã tô sáng 2 chỗ khớp «an» trên trang này.');
    for (const b of boxes) for (const v of b.slice(1)) expect(Number(v)).toBeLessThanOrEqual(100);
    const api = await request(env.app).get(`/api/sach/${book.id}/anh/2?q=ban doc`).expect(200);
    expect(api.body.boxes.map((b: { t: string }) => b.t)).toEqual(['bạn', 'đọc', 'bạn.']);
    expect(api.body.ratio).toBeGreaterThan(1); // a portrait page
    const none = await request(env.app).get(`/api/sach/${book.id}/anh/2?q=`).expect(200);
    expect(none.body.boxes).toEqual([]);
  });
});

describe('text mode', () => {
  it('offers the page picture instead of garbage or "no text" on scanned and undecodable old-font pages', async () => {
    const yoga = await createBook(env.ctx, {
      title: 'Yoga dưỡng sinh',
      pages: ['Lời nói đầu của cuốn sách về sức khỏe.', "v 2 2q 2. 2 2 '2 # 2 2w 2 ! 2 2 22 2q", ''],
    });
    for (const n of [2, 3]) {
      const res = await request(env.app).get(`/doc/${yoga.id}/trang/${n}`).expect(200);
      expect(res.text).toContain('Trang này không có chữ đọc được (trang quét hoặc phông chữ cũ). Đây là ảnh của trang:');
      expect(res.text).toContain(`srcset="/sach/${yoga.id}/anh/${n}-480.webp 480w,`);
      expect(res.text).not.toContain('2q 2.');
      expect(res.text).not.toContain('Trang này không có chữ (có thể là hình ảnh)');
    }
    const good = await request(env.app).get(`/doc/${yoga.id}/trang/1`).expect(200);
    expect(good.text).toContain('Lời nói đầu của cuốn sách về sức khỏe.');
    expect(good.text).not.toContain('class="page-picture"');
  });

  it('has text size, line spacing and night controls (shown by text-mode.js), and a link to the page picture', async () => {
    const res = await request(env.app).get(`/doc/${book.id}/trang/2?q=an`).expect(200);
    expect(res.text).toContain('<div class="text-tools" id="text-tools" hidden>');
    for (const label of ['Chữ nhỏ hơn', 'Chữ to hơn', 'Giãn dòng', 'Chế độ ban đêm']) expect(res.text).toContain(label);
    expect(res.text).toContain('<script type="module" src="/static/js/text-mode.js"></script>');
    expect(res.text).toContain(`href="/doc/${book.id}/anh/2?q=an">Xem ảnh trang này</a>`);
  });
});

describe('lifecycle and disk budget', () => {
  it('a withdrawn book has no picture served (410/404) and its pictures are removed from disk', async () => {
    const gone = await createBook(env.ctx, { title: 'Sách sẽ rút', pages: pagesWith(2) });
    await picture(`/sach/${gone.id}/anh/1-480.webp`).expect(200);
    expect(await stored(`${gone.id}/1-480.webp`)).toBe(true);
    await withdrawBook(env.ctx, gone.id);
    const res = await request(env.app).get(`/sach/${gone.id}/anh/1-480.webp`);
    expect([404, 410]).toContain(res.status);
    expect(await until(async () => !(await stored(`${gone.id}/1-480.webp`)))).toBe(true);
    await request(env.app)
      .get(`/doc/${gone.id}/anh/1`)
      .expect((r) => expect([404, 410]).toContain(r.status));
  });

  it('a draft book has no pictures (404)', async () => {
    const draft = await createBook(env.ctx, { title: 'Sách nháp', pages: pagesWith(2), status: 'draft' });
    await request(env.app).get(`/sach/${draft.id}/anh/1-480.webp`).expect(404);
    await request(env.app).get(`/doc/${draft.id}/anh/1`).expect(404);
    expect(await stored(`${draft.id}/1-480.webp`)).toBe(false);
  });

  it('keeps the cache under PAGE_CACHE_MB by removing the least recently used pictures', async () => {
    // An hour ahead: later than every file on disk, including those this test writes. (One second
    // ahead was not enough on a loaded machine: the renders below took longer, their real mtimes
    // overtook the fake clock, and page 1's read-again no longer made it the most recent.)
    let clock = Date.now() + 3_600_000;
    const probe = new PagePictures({ storage: env.ctx.storage, pdf: () => env.ctx.services.pdf.get(), log: env.ctx.log, maxBytes: 1e9 });
    const key = `${book.sha256}.pdf`;
    const one = (await fs.stat(await probe.picture(book.id, key, 1, 1080))).size;
    // A fresh cache (as after a restart) with room for about three pictures and their layouts.
    await env.ctx.storage.remove('pages', String(book.id));
    const cache = new PagePictures({
      storage: env.ctx.storage,
      pdf: () => env.ctx.services.pdf.get(),
      log: env.ctx.log,
      maxBytes: Math.round(one * 3.6),
      now: () => clock++,
    });
    for (const n of [1, 2, 3]) await cache.picture(book.id, key, n, 1080);
    await cache.picture(book.id, key, 1, 1080); // page 1 read again: now the most recent
    await cache.picture(book.id, key, 4, 1080);
    await cache.evict();
    expect(await cache.usedBytes()).toBeLessThanOrEqual(Math.round(one * 3.6));
    expect(await stored(`${book.id}/1-1080.webp`)).toBe(true); // recently used: kept
    expect(await stored(`${book.id}/4-1080.webp`)).toBe(true);
    expect(await stored(`${book.id}/2-1080.webp`)).toBe(false); // least recently used: gone
  });
});

describe('pictures rendered ahead on publish', () => {
  beforeAll(() => registerReaderJobs(env.ctx));

  it('publishing queues a durable job that renders every page at phone width with its word boxes', async () => {
    const draft = await createBook(env.ctx, { title: 'Sách sắp ra mắt', pages: pagesWith(4), status: 'draft' });
    await recordConsent(env.ctx, draft.id, { holder: 'Tác giả sắp ra mắt' });
    await env.ctx.services.books.publish(draft.id, null);
    const queued = await env.ctx.db.selectFrom('jobs').select(['payload', 'status']).where('type', '=', PRERENDER_JOB).execute();
    expect(queued.filter((j) => Number((j.payload as { bookId: number }).bookId) === draft.id)).toHaveLength(1);
    expect(await env.ctx.jobs.runDueJobs()).toBeGreaterThanOrEqual(1);
    await env.ctx.jobs.idle();
    for (const p of [1, 2, 3, 4]) {
      expect(await stored(`${draft.id}/${p}-720.webp`)).toBe(true);
      expect(await stored(`${draft.id}/${p}.json`)).toBe(true);
    }
    // Already there: a second run (a retry, a restart) renders nothing again.
    expect(await prerenderBook(env.ctx, draft.id)).toEqual({ pages: 0, bytes: 0, stopped: 'done' });
    // The first reader's page comes with its highlight boxes and proportions at once.
    const page = await request(env.app).get(`/doc/${draft.id}/anh/3?q=trang`).expect(200);
    expect(page.text).not.toContain('data-marks="pending"');
    expect(page.text).toContain('style="aspect-ratio: 1000 /');
  });

  it('at start-up, books published before (or whose pictures were evicted) are rendered too, by one library-wide job', async () => {
    const old = await createBook(env.ctx, { title: 'Sách xuất bản từ trước', pages: pagesWith(3) });
    await queueLibraryPrerender(env.ctx);
    await queueLibraryPrerender(env.ctx); // a second instance starting: still one job
    const queued = await env.ctx.db.selectFrom('jobs').select('id').where('type', '=', PRERENDER_LIBRARY_JOB).execute();
    expect(queued).toHaveLength(1);
    expect(await env.ctx.jobs.runDueJobs()).toBe(1);
    await env.ctx.jobs.idle();
    for (const p of [1, 2, 3]) expect(await stored(`${old.id}/${p}-720.webp`)).toBe(true);
  });

  it('stops, and removes what it wrote, when the book is withdrawn meanwhile (e.g. on another instance)', async () => {
    const b = await createBook(env.ctx, { title: 'Sách rút giữa chừng', pages: pagesWith(5) });
    const pictures = env.ctx.services.pagePictures;
    const prepare = pictures.prepare.bind(pictures);
    let calls = 0;
    pictures.prepare = async (...args) => {
      const bytes = await prepare(...args);
      if (++calls === 2) await withdrawBook(env.ctx, b.id, { keepInIndex: true }); // a plain UPDATE, as another instance's would be seen
      return bytes;
    };
    try {
      expect((await prerenderBook(env.ctx, b.id)).stopped).toBe('not_public');
    } finally {
      pictures.prepare = prepare;
    }
    expect(calls).toBe(2);
    expect(await stored(`${b.id}/1-720.webp`)).toBe(false);
    expect(await stored(String(b.id))).toBe(false);
    expect(await prerenderBook(env.ctx, b.id)).toEqual({ pages: 0, bytes: 0, stopped: 'not_public' });
  });

  it('fills at most its share of PAGE_CACHE_MB, leaving the rest to pages readers ask for', async () => {
    const b = await createBook(env.ctx, { title: 'Sách dày', pages: pagesWith(6) });
    const services = env.ctx.services as unknown as Record<string, unknown>;
    const original = services.pagePictures;
    const probe = new PagePictures({ storage: env.ctx.storage, pdf: () => env.ctx.services.pdf.get(), log: env.ctx.log, maxBytes: 1e12 });
    const used = await probe.usedBytes();
    // Room for about two more pages within the share: 60 % of the budget minus what is on disk.
    const one = await probe.prepare(b.id, `${b.sha256}.pdf`, 1, 720);
    await probe.removeBook(b.id);
    services.pagePictures = new PagePictures({
      storage: env.ctx.storage,
      pdf: () => env.ctx.services.pdf.get(),
      log: env.ctx.log,
      maxBytes: Math.ceil((used + one * 2.5) / 0.6),
    });
    try {
      const r = await prerenderBook(env.ctx, b.id);
      expect(r.stopped).toBe('cache_full');
      expect(r.pages).toBeGreaterThanOrEqual(2);
      expect(r.pages).toBeLessThan(6);
    } finally {
      services.pagePictures = original;
    }
  });
});

describe('passage hits warmed by a search', () => {
  it('renders the pages of the first passage hits for visitors who will get the picture reader', async () => {
    const b = await createBook(env.ctx, { title: 'Truyện Lục Vân Tiên', pages: pagesWith(5, { 4: 'Vân Tiên cưỡi ngựa qua cầu tre.' }) });
    await request(env.app).get('/tim-kiem?q=cưỡi ngựa qua cầu').set('User-Agent', DESKTOP).expect(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stored(`${b.id}/4-1080.webp`)).toBe(false); // a desktop opens pdf.js: nothing rendered for it
    const found = await request(env.app).get('/tim-kiem?q=cưỡi ngựa qua cầu').set('User-Agent', PHONE).expect(200);
    expect(found.text).toContain(`/doc/${b.id}?trang=4`);
    expect(await until(() => stored(`${b.id}/4-720.webp`))).toBe(true);
    // The in-book search too.
    await env.ctx.services.pagePictures.removeBook(b.id);
    await request(env.app).get(`/api/sach/${b.id}/tim?q=cầu tre`).set('User-Agent', PHONE).expect(200);
    expect(await until(() => stored(`${b.id}/4-720.webp`))).toBe(true);
  });
});
