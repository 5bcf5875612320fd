import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCover } from '../../../src/pdf/render-cover.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { jpegSize } from '../../helpers/image-size.ts';
import { makePdf, VIETNAMESE_BOOK, writeFixture } from '../../helpers/make-pdf.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * Link previews where readers paste addresses (Zalo, Facebook, Messenger): every shared page's
 * <head> names a title, a description and an image whose declared size is the image's real size,
 * and a portrait cover is announced as a "summary" card (a large card would crop it to a strip).
 */
const BASE = 'https://thuvien.example.vn';
let env: TestEnv;
let book: FixtureBook;
let plain: FixtureBook;
let tmp: string;
let cover: { width: number; height: number };

beforeAll(async () => {
  env = await createTestEnv({ env: { PUBLIC_BASE_URL: BASE } });
  book = await createBook(env.ctx, {
    title: 'Nhật ký Đặng Thùy Trâm',
    authors: ['Đặng Thùy Trâm'],
    categories: ['van-hoc-viet-nam'],
    description: 'Những trang nhật ký thời chiến của một nữ bác sĩ trẻ ở chiến trường Đức Phổ.',
    pages: pagesWith(4, { 2: 'Đêm nay trăng sáng quá, mình ngồi viết mấy dòng cho mẹ ở Hà Nội.' }),
    withCover: true,
  });
  plain = await createBook(env.ctx, { title: 'Sổ tay đoàn viên', categories: ['van-hoc-viet-nam'], pages: pagesWith(2) });
  // A real portrait cover (the ingest's own renderer on an A5 page) instead of the fixture's 1×1 pixel.
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-share-'));
  const rendered = await renderCover(await writeFixture(tmp, 'a5.pdf', await makePdf(VIETNAMESE_BOOK)));
  const v400 = rendered!.variants.find((v) => v.width === 400)!;
  await env.ctx.storage.write('covers', `${book.id}/400.jpg`, v400.jpeg);
  cover = jpegSize(v400.jpeg);
});
afterAll(async () => {
  await env.cleanup();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const decode = (s: string) =>
  s.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (m, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()],
  );

/** The <meta> tags of a page's <head>, by property/name (a second tag with the same key is an error). */
function headMeta(html: string): Map<string, string> {
  const head = /<head>([\s\S]*?)<\/head>/i.exec(html)?.[1];
  expect(head, 'the page has a <head>').toBeDefined();
  const out = new Map<string, string>();
  for (const tag of head!.match(/<meta\b[^>]*>/gi) ?? []) {
    const attrs = new Map([...tag.matchAll(/([a-z:-]+)="([^"]*)"/gi)].map((m) => [m[1].toLowerCase(), decode(m[2])]));
    const key = attrs.get('property') ?? attrs.get('name');
    if (!key || !attrs.has('content')) continue;
    expect(out.has(key), `one ${key}`).toBe(false);
    out.set(key, attrs.get('content')!);
  }
  return out;
}

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Checks one page's preview and returns its tags. */
async function preview(pagePath: string, url: string) {
  const res = await request(env.app).get(pagePath).expect(200);
  const m = headMeta(res.text);
  for (const key of ['og:title', 'og:description', 'og:url', 'og:image', 'og:image:width', 'og:image:height', 'og:image:alt']) {
    expect(m.get(key)?.trim(), `${pagePath}: ${key}`).toBeTruthy();
  }
  for (const key of ['twitter:card', 'twitter:title', 'twitter:description', 'twitter:image']) {
    expect(m.get(key)?.trim(), `${pagePath}: ${key}`).toBeTruthy();
  }
  expect(m.get('og:url')).toBe(BASE + url);
  expect(m.get('og:description')!.length).toBeLessThanOrEqual(200);
  expect(m.get('description')).toBe(m.get('og:description'));
  // The declared size is the image's real size.
  const image = new URL(m.get('og:image')!);
  expect(image.origin).toBe(BASE);
  const img = await request(env.app)
    .get(image.pathname + image.search)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    })
    .expect(200);
  const size = image.pathname.endsWith('.png') ? pngSize(img.body as Buffer) : jpegSize(img.body as Buffer);
  expect([Number(m.get('og:image:width')), Number(m.get('og:image:height'))], `${pagePath}: declared image size`).toEqual([
    size.width,
    size.height,
  ]);
  // A large card only for an image that is clearly landscape.
  expect(m.get('twitter:card')).toBe(size.width >= size.height * 1.5 ? 'summary_large_image' : 'summary');
  return m;
}

describe('share previews', () => {
  it('home, categories, a category and an author page describe the library with its image', async () => {
    const home = await preview('/', '/');
    expect(home.get('og:title')).toBe('Thư viện số');
    expect(home.get('og:description')).toMatch(/\d+ cuốn sách/);
    const cat = await preview('/the-loai/van-hoc-viet-nam', '/the-loai/van-hoc-viet-nam');
    expect(cat.get('og:title')).toBe('Văn học Việt Nam');
    expect(cat.get('og:description')).toContain('2 cuốn sách');
    await preview('/the-loai', '/the-loai');
    await preview('/tac-gia/dang-thuy-tram', '/tac-gia/dang-thuy-tram');
  });

  it('a book, its reader and its text pages show the portrait cover as a summary card', async () => {
    const bookPath = `/sach/${book.id}-nhat-ky-dang-thuy-tram`;
    const page = await preview(bookPath, bookPath);
    expect(page.get('og:type')).toBe('book');
    expect(page.get('og:description')).toContain('nhật ký thời chiến');
    expect([Number(page.get('og:image:width')), Number(page.get('og:image:height'))]).toEqual([cover.width, cover.height]);
    expect(cover.height).toBeGreaterThan(cover.width);
    expect(page.get('twitter:card')).toBe('summary');

    const reader = await preview(`/doc/${book.id}`, `/doc/${book.id}`);
    expect(reader.get('og:title')).toBe('Nhật ký Đặng Thùy Trâm');
    expect(reader.get('og:image')).toBe(page.get('og:image'));

    const text = await preview(`/doc/${book.id}/trang/2`, `/doc/${book.id}/trang/2`);
    expect(text.get('og:title')).toContain('Nhật ký Đặng Thùy Trâm');
    expect(text.get('og:description')).toContain('Đêm nay trăng sáng quá'); // the page quotes itself
    expect(text.get('twitter:card')).toBe('summary');
  });

  it('a book without a cover falls back to the library image, still with its size', async () => {
    const m = await preview(`/sach/${plain.id}-so-tay-doan-vien`, `/sach/${plain.id}-so-tay-doan-vien`);
    expect(m.get('og:image')).toBe(`${BASE}/static/icons/icon-512.png`);
    expect(m.get('og:description')).toContain('Sổ tay đoàn viên');
    await preview(`/doc/${plain.id}`, `/doc/${plain.id}`);
  });
});
