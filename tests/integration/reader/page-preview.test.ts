import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBook, pagesWith, withdrawBook, type FixtureBook } from '../../helpers/books.ts';
import { webpSize } from '../../helpers/image-size.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { openPublishGate } from '../../../src/features/catalogue/books/publish-gate.ts';

/** The picture of page 1 the reader shows while pdf.js loads (src/features/reader/page-preview.ts). */
let env: TestEnv;
let book: FixtureBook;

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

beforeAll(async () => {
  env = await createTestEnv({ publishGate: openPublishGate });
  book = await createBook(env.ctx, {
    title: 'Dế Mèn phiêu lưu ký',
    authors: ['Tô Hoài'],
    pages: pagesWith(6, { 1: 'Chương một\nTôi sống độc lập từ thuở bé.' }),
  });
});
afterAll(() => env.cleanup());

describe('page-1 preview', () => {
  it('is rendered in the background on the first opening, then offered by the reader page and served as WebP', async () => {
    const first = await request(env.app).get(`/doc/${book.id}`).expect(200);
    expect(first.text).not.toContain('id="preview"'); // nobody waits for the render
    await request(env.app).get(`/sach/${book.id}/trang-1.webp`).expect(404);

    // The render the first visit started (concurrent callers share it).
    expect(await env.ctx.services.pagePreviews.ensure(book.id, `${book.sha256}.pdf`)).toBe(true);
    const again = await request(env.app).get(`/doc/${book.id}`).expect(200);
    expect(again.text).toContain(`<img src="/sach/${book.id}/trang-1.webp" alt="Trang 1 của sách`);
    expect(again.text).toContain('<script defer src="/static/js/reader-preview.js"></script>');

    const img = await request(env.app)
      .get(`/sach/${book.id}/trang-1.webp`)
      .buffer(true)
      .parse(binary as never)
      .expect(200);
    expect(img.headers['content-type']).toBe('image/webp');
    expect(img.headers['cache-control']).toBe('no-cache');
    const body = img.body as Buffer;
    expect(body.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(body.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(webpSize(body).width).toBe(720);
    expect(body.length).toBeLessThan(150 * 1024); // a picture for slow connections, not a scan
  });

  it('is prepared when a reader opens the book page (the usual way into the reader), not for a link-preview bot', async () => {
    const other = await createBook(env.ctx, { title: 'Tắt đèn', authors: ['Ngô Tất Tố'], pages: pagesWith(3) });
    const ua = (value: string) => request(env.app).get(`/sach/${other.id}`).redirects(1).set('User-Agent', value).expect(200);
    const previews = env.ctx.services.pagePreviews;
    // The page starts the render before it answers, and a render takes far longer than this check:
    // had the bot's visit started one, it would still be under way (or done) here. No sleeping.
    await ua('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)');
    expect(previews.isRendering(other.id)).toBe(false);
    expect(await previews.exists(other.id)).toBe(false);
    await ua('Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36');
    expect(previews.isRendering(other.id) || (await previews.exists(other.id))).toBe(true);
    await expect.poll(() => previews.exists(other.id), { timeout: 60_000 }).toBe(true);
    expect((await request(env.app).get(`/doc/${other.id}`).expect(200)).text).toContain('id="preview"');
  });

  it('is not made for a blank first page', async () => {
    const blank = await createBook(env.ctx, { title: 'Sách có trang đầu trắng', pages: ['', ...pagesWith(3)] });
    expect(await env.ctx.services.pagePreviews.ensure(blank.id, `${blank.sha256}.pdf`)).toBe(false);
    expect((await request(env.app).get(`/doc/${blank.id}`).expect(200)).text).not.toContain('id="preview"');
    await request(env.app).get(`/sach/${blank.id}/trang-1.webp`).expect(404);
  });

  it('stops being served when the book is withdrawn', async () => {
    await withdrawBook(env.ctx, book.id);
    await request(env.app).get(`/sach/${book.id}/trang-1.webp`).expect(404);
  });
});
