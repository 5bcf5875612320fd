import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { draftBook, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * "Read online only": a consent that does not allow download. The PDF file is never served to the
 * public by any path; the book is still readable as page pictures and page text. Real consent
 * records and the real publish gate (no stub).
 */
let env: TestEnv;
let onlineOnly: number;
let downloadable: number;
const ONLINE_TITLE = 'Sách chỉ đọc trực tuyến';

beforeAll(async () => {
  env = await createTestEnv({ clock: new ManualClock(new Date('2025-06-15T03:00:00Z')) });
  onlineOnly = await draftBook(env.ctx, ONLINE_TITLE);
  await recordConsent(env.ctx, onlineOnly, { holder: 'Tác giả Chỉ Đọc', allowDownload: false });
  await publishAndIndex(env.ctx, onlineOnly);
  downloadable = await draftBook(env.ctx, 'Sách được tải về');
  await recordConsent(env.ctx, downloadable, { holder: 'Tác giả Cho Tải', allowDownload: true });
  await publishAndIndex(env.ctx, downloadable);
}, 60_000);
afterAll(() => env?.cleanup());

const pdfUrl = (id: number) => `/sach/${id}/tep.pdf`;

function expectRefused(res: request.Response): void {
  expect(res.status).toBe(403);
  expect(res.headers['content-type'] ?? '').not.toContain('application/pdf');
  expect(res.headers['cache-control']).toBe('no-store');
  // Not a byte of the file: a PDF starts with %PDF.
  expect(res.text ?? '').not.toContain('%PDF');
}

describe('a book whose consent does not allow download: the PDF is never served to the public', () => {
  it('whole file (GET), with a clear Vietnamese explanation for people and JSON for programs', async () => {
    const res = await request(env.app).get(pdfUrl(onlineOnly));
    expectRefused(res);
    expect(res.text).toContain('chỉ được đọc trực tuyến');
    const json = await request(env.app).get(pdfUrl(onlineOnly)).set('Accept', 'application/json');
    expect(json.status).toBe(403);
    expect(json.body.error.code).toBe('online_only');
  });

  it('by byte ranges (what pdf.js and the service worker ask for), including If-Range and multi-range', async () => {
    expectRefused(await request(env.app).get(pdfUrl(onlineOnly)).set('Range', 'bytes=0-1023'));
    expectRefused(await request(env.app).get(pdfUrl(onlineOnly)).set('Range', 'bytes=0-10,100-200'));
    expectRefused(await request(env.app).get(pdfUrl(onlineOnly)).set('Range', 'bytes=-500'));
    expectRefused(await request(env.app).get(pdfUrl(onlineOnly)).set('Range', 'bytes=0-99').set('If-Range', '"x"'));
  });

  it('to HEAD (no length or validator that would leak the file)', async () => {
    const head = await request(env.app).head(pdfUrl(onlineOnly));
    expect(head.status).toBe(403);
    // The file's validator is its SHA-256 (a strong ETag of 64 hex digits): not given out.
    expect(head.headers['etag'] ?? '').not.toMatch(/^"[0-9a-f]{64}"$/);
    expect(head.headers['content-type'] ?? '').not.toContain('application/pdf');
    expect(head.headers['accept-ranges']).toBeUndefined();
  });

  it('whatever the query string (the service worker keys its copies by ?bytes=…; ?download=1 and =0)', async () => {
    for (const q of ['?download=1', '?download=0', '?bytes=bytes%3D0-32767', '?v=1']) {
      expectRefused(await request(env.app).get(pdfUrl(onlineOnly) + q));
    }
    // …and a revalidation with the file's ETag (a phone holding an old copy) gets no 304 either.
    expectRefused(await request(env.app).get(pdfUrl(onlineOnly)).set('If-None-Match', '"anything"'));
  });

  it('via OPDS: no acquisition link and no link to the file in any feed, the book is still listed', async () => {
    for (const feed of ['/opds/moi', '/opds/pho-bien', `/opds/tim?q=${encodeURIComponent('chỉ đọc trực tuyến')}`]) {
      const res = await request(env.app).get(feed).expect(200);
      expect(res.text, feed).not.toContain(pdfUrl(onlineOnly));
      expect(res.text, feed).toContain(`<id>urn:thu-vien-so:book:${onlineOnly}</id>`);
    }
    const all = await request(env.app).get('/opds/moi').expect(200);
    expect(all.text).toContain(`${pdfUrl(downloadable)}"`); // the downloadable one keeps its link
  });

  it('the reader opens as page pictures (no pdf.js, no link to the file), on a desktop too and when the PDF reader is asked for', async () => {
    const desktop = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
    for (const url of [`/doc/${onlineOnly}`, `/doc/${onlineOnly}?ban=pdf`, `/doc/${onlineOnly}/anh/2`]) {
      const res = await request(env.app).get(url).set('User-Agent', desktop).expect(200);
      expect(res.text, url).toContain('/static/js/page-reader.js');
      expect(res.text, url).not.toContain('tep.pdf');
      expect(res.text, url).not.toContain('pdf.min.mjs');
    }
    const book = await request(env.app).get(`/sach/${onlineOnly}`).redirects(2).expect(200);
    expect(book.text).not.toContain('tep.pdf');
    const other = await request(env.app).get(`/doc/${downloadable}`).set('User-Agent', desktop).expect(200);
    expect(other.text).toContain(`data-pdf="${pdfUrl(downloadable)}"`);
  });

  it('while a book whose consent allows download is still served whole and by ranges', async () => {
    const whole = await request(env.app).get(pdfUrl(downloadable)).expect(200);
    expect(whole.headers['content-type']).toBe('application/pdf');
    const part = await request(env.app).get(pdfUrl(downloadable)).set('Range', 'bytes=0-3').expect(206);
    expect(part.headers['content-range']).toMatch(/^bytes 0-3\//);
    await request(env.app).head(pdfUrl(downloadable)).expect(200);
  });
});
