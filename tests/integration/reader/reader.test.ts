import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBook, eventTap, pagesWith, type FixtureBook, type SeenEvent } from '../../helpers/books.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

let env: TestEnv;
let book: FixtureBook;
const events: SeenEvent[] = [];

/** supertest buffers binary bodies only with a parser. */
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
const getPdf = (path: string) =>
  request(env.app)
    .get(path)
    .buffer(true)
    .parse(binary as never);

beforeAll(async () => {
  env = await createTestEnv({ publishGate: openPublishGate, events: eventTap(events) });
  book = await createBook(env.ctx, {
    title: 'Đất rừng phương Nam',
    authors: ['Đoàn Giỏi'],
    categories: ['thieu-nhi'],
    pages: pagesWith(40, {
      2: 'Chương một\nTôi đã đi lang thang khắp chợ.\nRồi lại ngồi xuống.\n\nĐoạn mới bắt đầu ở đây.',
      7: 'Con kênh xanh xanh, rừng đước mênh mông. <b>thẻ</b> & ký hiệu.',
    }),
    outline: [
      { title: 'Chương một', page: 2 },
      { title: 'Chương hai', page: 7 },
    ],
    padBytesPerPage: 3000,
    withCover: true,
  });
});
afterAll(() => env.cleanup());

describe('PDF bytes with HTTP Range', () => {
  it('serves the whole file with validators and Accept-Ranges', async () => {
    const res = await getPdf(`/sach/${book.id}/tep.pdf`).set('Accept-Encoding', 'gzip, br').expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toBe(`"${book.sha256}"`);
    expect(res.headers['last-modified']).toBeTruthy();
    expect(res.headers['cache-control']).toBe('no-cache'); // kept, but revalidated (ETag) so a takedown reaches every phone
    expect(res.headers['content-encoding']).toBeUndefined(); // pdf.js needs exact lengths
    expect(Number(res.headers['content-length'])).toBe(book.sizeBytes);
    expect(Buffer.compare(res.body as Buffer, book.pdf)).toBe(0);
  });

  it('answers 206 with exactly the requested bytes', async () => {
    const res = await getPdf(`/sach/${book.id}/tep.pdf`).set('Range', 'bytes=1000-66535').set('Accept-Encoding', 'gzip').expect(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-66535/${book.sizeBytes}`);
    expect(Number(res.headers['content-length'])).toBe(65536);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(Buffer.compare(res.body as Buffer, book.pdf.subarray(1000, 66536))).toBe(0);
    const tail = await getPdf(`/sach/${book.id}/tep.pdf`).set('Range', 'bytes=-300').expect(206);
    expect(Buffer.compare(tail.body as Buffer, book.pdf.subarray(book.sizeBytes - 300))).toBe(0);
    expect((tail.body as Buffer).toString('latin1')).toContain('%%EOF');
  });

  it('answers 416 for an unsatisfiable range, 304 for a fresh copy, and the full file when If-Range is stale', async () => {
    const bad = await request(env.app)
      .get(`/sach/${book.id}/tep.pdf`)
      .set('Range', `bytes=${book.sizeBytes + 10}-`)
      .expect(416);
    expect(bad.headers['content-range']).toBe(`bytes */${book.sizeBytes}`);
    await request(env.app).get(`/sach/${book.id}/tep.pdf`).set('If-None-Match', `"${book.sha256}"`).expect(304);
    const same = await getPdf(`/sach/${book.id}/tep.pdf`).set('Range', 'bytes=0-9').set('If-Range', `"${book.sha256}"`).expect(206);
    expect((same.body as Buffer).toString('latin1')).toBe(book.pdf.subarray(0, 10).toString('latin1'));
    const stale = await getPdf(`/sach/${book.id}/tep.pdf`).set('Range', 'bytes=0-9').set('If-Range', '"other"').expect(200);
    expect((stale.body as Buffer).length).toBe(book.sizeBytes);
  });

  it('sends an attachment for ?download=1 and records the download', async () => {
    events.length = 0;
    const res = await getPdf(`/sach/${book.id}/tep.pdf?download=1`).expect(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="dat-rung-phuong-nam.pdf"');
    expect(events).toContainEqual({ kind: 'download', bookId: book.id });
  });
});

describe('reader page', () => {
  it('renders the viewer shell with the PDF URL, the outline and text-mode links, with no inline script', async () => {
    events.length = 0;
    // A phone gets the page-picture reader by default (page-pictures.test.ts); ?ban=pdf asks for pdf.js.
    const res = await request(env.app)
      .get(`/doc/${book.id}?ban=pdf`)
      .set('User-Agent', 'Mozilla/5.0 (Linux; Android 9) Mobile')
      .expect(200);
    expect(res.text).toContain('<html lang="vi">');
    expect(res.text).toContain(`data-pdf="/sach/${book.id}/tep.pdf"`);
    expect(res.text).toContain('data-pages="40"');
    expect(res.text).toContain(`<a href="/doc/${book.id}/trang/7" data-page="7">Chương hai</a>`);
    expect(res.text).toContain('<script type="module" src="/static/js/reader.js"></script>');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // CSP: script-src 'self', no inline code
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(events).toContainEqual({ kind: 'book_open', bookId: book.id });
  });

  it('serves the pdf.js files from node_modules as JavaScript modules', async () => {
    for (const f of ['pdf.min.mjs', 'pdf.worker.min.mjs', 'pdf_viewer.mjs']) {
      const res = await request(env.app).get(`/static/reader/${f}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    }
    const css = await request(env.app).get('/static/reader/pdf_viewer.css').set('Accept-Encoding', 'gzip').expect(200);
    expect(css.headers['content-encoding']).toBe('gzip');
    await request(env.app).get('/static/reader/standard_fonts/FoxitFixed.pfb').expect(200);
    await request(env.app).get('/static/reader/wasm/openjpeg.wasm').expect(200);
    await request(env.app).get('/static/reader/../package.json').expect(404);
    await request(env.app).get('/static/reader/pdf.sandbox.min.mjs').expect(404); // no PDF scripting
  });

  it('searches inside the book and returns hits in page order', async () => {
    const res = await request(env.app).get(`/api/sach/${book.id}/tim`).query({ q: 'rung duoc menh mong' }).expect(200);
    expect(res.body.hits[0].pageNumber).toBe(7);
    expect(res.body.hits[0].snippetHtml).toContain('<mark>đước</mark>');
    expect(res.body.hits[0].snippetHtml).toContain('&lt;b&gt;');
    const html = await request(env.app).get(`/doc/${book.id}/tim`).query({ q: 'rung duoc' }).expect(200);
    expect(html.text).toContain(`href="/doc/${book.id}/trang/7?q=rung%20duoc"`);
  });

  it('counts pages read from the anonymous beacon without a CSRF token', async () => {
    events.length = 0;
    await request(env.app)
      .post(`/api/doc/${book.id}/da-doc`)
      .set('User-Agent', 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36')
      .set('Content-Type', 'text/plain;charset=UTF-8')
      .send(JSON.stringify({ pages: 12 }))
      .expect(204);
    expect(events).toContainEqual({ kind: 'pages_read', bookId: book.id, pages: 12 });
  });
});

describe('text mode', () => {
  it('shows one page as light HTML with previous/next links and no script', async () => {
    const res = await request(env.app).get(`/doc/${book.id}/trang/2`).set('Accept-Encoding', 'gzip').expect(200);
    expect(res.text).toContain('<p>Chương một Tôi đã đi lang thang khắp chợ. Rồi lại ngồi xuống.</p>');
    expect(res.text).toContain('<p>Đoạn mới bắt đầu ở đây.</p>');
    expect(res.text).toContain(`rel="prev" href="/doc/${book.id}/trang/1"`);
    expect(res.text).toContain(`rel="next" href="/doc/${book.id}/trang/3"`);
    expect(res.text).toContain('trang 2/40');
    expect(res.text).not.toMatch(/<script(?![^>]*type="module")/);
    expect(Number(res.headers['content-length'] ?? res.text.length)).toBeLessThan(8 * 1024);
  });

  it('escapes page text and highlights the searched words', async () => {
    const res = await request(env.app).get(`/doc/${book.id}/trang/7`).query({ q: 'rung duoc' }).expect(200);
    expect(res.text).toContain('&lt;b&gt;thẻ&lt;/b&gt; &amp; ký hiệu');
    expect(res.text).toContain('<mark>rừng</mark> <mark>đước</mark>');
    expect(res.text).toContain(`rel="next" href="/doc/${book.id}/trang/8?q=rung%20duoc"`);
  });

  it('jumps to a page from the no-JavaScript form and refuses pages outside the book', async () => {
    const jump = await request(env.app).get(`/doc/${book.id}/trang`).query({ n: '12' }).expect(303);
    expect(jump.headers.location).toBe(`/doc/${book.id}/trang/12`);
    await request(env.app).get(`/doc/${book.id}/trang/41`).expect(404);
    await request(env.app).get(`/doc/${book.id}/trang/0`).expect(404);
  });
});

describe('covers', () => {
  it('serves WebP and JPEG covers, cached for long when versioned', async () => {
    const webp = await request(env.app).get(`/sach/${book.id}/bia-200.webp?v=1`).expect(200);
    expect(webp.headers['content-type']).toBe('image/webp');
    expect(webp.headers['cache-control']).toContain('immutable');
    const jpg = await request(env.app).get(`/sach/${book.id}/bia-400.jpg`).expect(200);
    expect(jpg.headers['content-type']).toBe('image/jpeg');
    expect(jpg.headers['cache-control']).not.toContain('immutable');
    await request(env.app).get(`/sach/${book.id}/bia-300.jpg`).expect(404);
    await request(env.app).get(`/sach/${book.id}/bia-200.png`).expect(404);
  });
});

describe('compression', () => {
  it('compresses HTML', async () => {
    const res = await request(env.app).get(`/sach/${book.id}-dat-rung-phuong-nam`).set('Accept-Encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
  });
});
