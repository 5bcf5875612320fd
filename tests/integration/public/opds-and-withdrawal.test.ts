import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBook, pagesWith, withdrawBook, type FixtureBook } from '../../helpers/books.ts';
import { gateAllowing } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

let env: TestEnv;
let open: FixtureBook;
let noDownload: FixtureBook;
let gone: FixtureBook;
let lagging: FixtureBook;

beforeAll(async () => {
  env = await createTestEnv({ publishGate: gateAllowing({ noDownload: (id) => id === noDownload?.id }) });
  open = await createBook(env.ctx, {
    title: 'Dế Mèn phiêu lưu ký',
    authors: ['Tô Hoài'],
    categories: ['thieu-nhi'],
    description: 'Truyện <thiếu nhi> & phiêu lưu.',
    year: 1941,
    pages: pagesWith(6),
    withCover: true,
  });
  noDownload = await createBook(env.ctx, {
    title: 'Sách chỉ đọc trực tuyến',
    authors: ['Tô Hoài'],
    categories: ['thieu-nhi'],
    pages: pagesWith(3),
  });
  gone = await createBook(env.ctx, {
    title: 'Sách bị gỡ xuống',
    authors: ['Người Đã Rút'],
    categories: ['thieu-nhi'],
    pages: pagesWith(5, { 2: 'Câu văn độc nhất vô nhị về hoa sen trắng.' }),
    withCover: true,
  });
  lagging = await createBook(env.ctx, {
    title: 'Sách gỡ chậm chỉ mục',
    categories: ['thieu-nhi'],
    pages: pagesWith(3, { 1: 'Con chim vành khuyên nhỏ xíu.' }),
  });
  await withdrawBook(env.ctx, gone.id);
  await withdrawBook(env.ctx, lagging.id, { keepInIndex: true });
});
afterAll(() => env.cleanup());

describe('OPDS catalogue', () => {
  it('has a navigation root with the OPDS link relations', async () => {
    const res = await request(env.app).get('/opds').expect(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; profile=opds-catalog; kind=navigation; charset=utf-8');
    const x = res.text;
    expect(x.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(x).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(x).toMatch(
      /<link rel="self" href="http:\/\/localhost:3000\/opds" type="application\/atom\+xml;profile=opds-catalog;kind=navigation"\/>/,
    );
    expect(x).toContain('<link rel="start" href="http://localhost:3000/opds"');
    expect(x).toContain('rel="search" href="http://localhost:3000/opds/opensearch.xml" type="application/opensearchdescription+xml"');
    expect(x).toContain(
      'rel="http://opds-spec.org/sort/new" href="http://localhost:3000/opds/moi" type="application/atom+xml;profile=opds-catalog;kind=acquisition"',
    );
    expect(x).toContain('rel="http://opds-spec.org/sort/popular"');
    expect(x).toContain('rel="subsection" href="http://localhost:3000/opds/the-loai/thieu-nhi"');
    expect(x).toMatch(/<updated>\d{4}-\d\d-\d\dT/);
  });

  it('lists books with covers, and acquisition links only where downloads are allowed', async () => {
    const x = (await request(env.app).get('/opds/moi').expect(200)).text;
    const entry = (id: number) =>
      new RegExp(`<entry>(?:(?!</entry>).)*urn:thu-vien-so:book:${id}<(?:(?!</entry>).)*</entry>`, 's').exec(x)?.[0] ?? '';
    const a = entry(open.id);
    expect(a).toContain('<title>Dế Mèn phiêu lưu ký</title>');
    expect(a).toContain('<author><name>Tô Hoài</name>');
    expect(a).toContain('<summary type="text">Truyện &lt;thiếu nhi&gt; &amp; phiêu lưu.</summary>');
    expect(a).toContain('<dc:issued>1941</dc:issued>');
    expect(a).toContain(
      `rel="http://opds-spec.org/acquisition/open-access" href="http://localhost:3000/sach/${open.id}/tep.pdf" type="application/pdf"`,
    );
    expect(a).toContain(`rel="http://opds-spec.org/image" href="http://localhost:3000/sach/${open.id}/bia-400.jpg?v=1" type="image/jpeg"`);
    expect(a).toContain('rel="http://opds-spec.org/image/thumbnail"');
    const b = entry(noDownload.id);
    expect(b).toContain('<title>Sách chỉ đọc trực tuyến</title>');
    expect(b).not.toContain('opds-spec.org/acquisition');
    expect(b).toContain('rel="alternate"');
  });

  it('has category, popular and search feeds and an OpenSearch description', async () => {
    const cat = (await request(env.app).get('/opds/the-loai/thieu-nhi').expect(200)).text;
    expect(cat).toContain('<title>Thiếu nhi</title>');
    expect(cat).toContain('Dế Mèn phiêu lưu ký');
    expect((await request(env.app).get('/opds/pho-bien').expect(200)).text).toContain('Dế Mèn phiêu lưu ký');
    const search = (await request(env.app).get('/opds/tim').query({ q: 'de men' }).expect(200)).text;
    expect(search).toContain(`urn:thu-vien-so:book:${open.id}`);
    const osd = await request(env.app).get('/opds/opensearch.xml').expect(200);
    expect(osd.text).toContain('template="http://localhost:3000/opds/tim?q={searchTerms}');
    await request(env.app).get('/opds/the-loai/khong-co').expect(404);
  });
});

describe('withdrawn books are invisible everywhere', () => {
  const ids = () => [gone.id, lagging.id];

  it('answer 404 on every page and file', async () => {
    for (const id of ids()) {
      for (const path of [
        `/sach/${id}`,
        `/doc/${id}`,
        `/doc/${id}/trang/1`,
        `/doc/${id}/tim?q=hoa`,
        `/sach/${id}/tep.pdf`,
        `/sach/${id}/tep.pdf?download=1`,
        `/sach/${id}/bia-200.webp?v=1`,
      ]) {
        const res = await request(env.app).get(path);
        expect(res.status, path).toBe(404);
      }
      await request(env.app).get(`/api/sach/${id}/tim`).query({ q: 'hoa' }).expect(404);
      await request(env.app).post(`/api/doc/${id}/da-doc`).set('Content-Type', 'application/json').send({ pages: 2 }).expect(404);
    }
  });

  it('are absent from lists, feeds and search results, even while the index still holds them', async () => {
    const pages = await Promise.all(
      ['/', '/the-loai/thieu-nhi', '/tac-gia/nguoi-da-rut', '/opds/moi', '/opds/the-loai/thieu-nhi', '/opds/pho-bien'].map((p) =>
        request(env.app).get(p),
      ),
    );
    for (const res of pages) {
      expect(res.text).not.toContain('Sách bị gỡ xuống');
      expect(res.text).not.toContain('Sách gỡ chậm chỉ mục');
    }
    const api = await request(env.app).get('/api/search').query({ q: 'sach go' }).expect(200);
    expect(api.body.books.map((b: { id: number }) => b.id)).not.toContain(gone.id);
    expect(api.body.books.map((b: { id: number }) => b.id)).not.toContain(lagging.id);
    // The lagging book is still in the index: the database check hides it anyway.
    const direct = await env.ctx.search.client.index(env.ctx.search.indexName('pages')).search('chim vanh khuyen');
    expect(direct.hits.length).toBeGreaterThan(0);
    const passages = await request(env.app).get('/api/search').query({ q: 'chim vanh khuyen' }).expect(200);
    expect(passages.body.passages).toEqual([]);
    const opds = await request(env.app).get('/opds/tim').query({ q: 'sach go cham' }).expect(200);
    expect(opds.text).not.toContain(`urn:thu-vien-so:book:${lagging.id}`);
    const suggestions = await request(env.app).get('/api/search/suggest').query({ q: 'hoa sen trang' }).expect(200);
    expect(suggestions.body.suggestions).toEqual([]);
  });

  it('answer 410 Gone when withdrawn because consent was revoked (decided by the consent feature)', async () => {
    // The consent feature's marker for a revoked consent (its own tests show how revoking writes it).
    await env.ctx.db
      .insertInto('book_takedowns')
      .values({ book_id: gone.id, cause: 'revoked', consent_id: null, taken_down_at: env.ctx.clock.now(), withdrawn_at: null })
      .execute();
    const res = await request(env.app).get(`/sach/${gone.id}`).expect(410);
    expect(res.text).toContain('đã rút lại sự đồng ý');
    expect(res.headers['cache-control']).toBe('no-store');
    await request(env.app).get(`/sach/${gone.id}/tep.pdf`).expect(410);
    await request(env.app).get(`/doc/${gone.id}/trang/1`).expect(410);
    await request(env.app).get(`/api/sach/${gone.id}/tim?q=hoa`).expect(410);
    // Withdrawn without a consent takedown (a librarian's decision): an ordinary 404.
    await request(env.app).get(`/sach/${lagging.id}`).expect(404);
  });
});
