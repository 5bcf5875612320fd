import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createUser, signedInAgent } from '../../helpers/auth.ts';
import { createBook, type FixtureBook } from '../../helpers/books.ts';
import { createTestEnv, defaultLibraryId, type TestEnv } from '../../helpers/test-context.ts';

/**
 * One library's shelf is its own: a book of library A is a 404 under library B on every public
 * address that names a book, and B's lists, search and OPDS never show it.
 */
let env: TestEnv;
let bookOfA: FixtureBook;
let bookOfB: FixtureBook;
let wardBId: number;
beforeAll(async () => {
  env = await createTestEnv({ publishGate: openPublishGate });
  const wardB = await env.ctx.services.libraries.create({
    slug: 'phuong-b',
    name: 'Thư viện Phường B',
    unionName: '',
    address: '',
    contact: '',
  });
  bookOfA = await createBook(env.ctx, {
    title: 'Nhật ký trong tù',
    pages: ['Thân thể ở trong lao, tinh thần ở ngoài lao'],
    withCover: true,
  });
  bookOfB = await createBook(env.ctx, { title: 'Dế Mèn phiêu lưu ký', pages: ['Tôi sống độc lập từ thủa bé'], libraryId: wardB.id });
  wardBId = wardB.id;
});
afterAll(() => env.cleanup());

const bookAddresses = (id: number) => [
  `/sach/${id}`,
  `/doc/${id}`,
  `/doc/${id}/trang/1`,
  `/doc/${id}/anh/1`,
  `/sach/${id}/tep.pdf`,
  `/sach/${id}/bia-200.jpg`,
  `/sach/${id}/anh/1-720.webp`,
  `/api/sach/${id}/tim?q=lao`,
  `/api/sach/${id}/anh/1`,
];

describe('one shelf per library', () => {
  it("answers 404 for library A's book on every book address of library B, and serves it in A", async () => {
    for (const path of bookAddresses(bookOfA.id)) {
      const res = await request(env.app).get(`/phuong-b${path}`);
      expect(res.status, `/phuong-b${path}`).toBe(404);
    }
    for (const path of bookAddresses(bookOfB.id)) {
      const res = await request(env.app).get(path);
      expect(res.status, path).toBe(404);
    }
    await request(env.app).get(`/sach/${bookOfA.id}`).redirects(1).expect(200);
    const inB = await request(env.app).get(`/phuong-b/sach/${bookOfB.id}`).redirects(1).expect(200);
    // Its links stay inside library B's address.
    expect(inB.text).toContain(`href="/phuong-b/doc/${bookOfB.id}`);
    await request(env.app).get(`/phuong-b/sach/${bookOfB.id}/tep.pdf`).expect(200);
  });

  it('lists, searches and catalogues (OPDS) only the books on the shelf of the library in the address', async () => {
    const homeA = await request(env.app).get('/').expect(200);
    expect(homeA.text).toContain('Nhật ký trong tù');
    expect(homeA.text).not.toContain('Dế Mèn phiêu lưu ký');
    const homeB = await request(env.app).get('/phuong-b/').expect(200);
    expect(homeB.text).toContain('Dế Mèn phiêu lưu ký');
    expect(homeB.text).not.toContain('Nhật ký trong tù');

    const searchA = await request(env.app).get('/api/search?q=Dế Mèn').expect(200);
    expect(searchA.body.books.map((b: { id: number }) => b.id)).not.toContain(bookOfB.id);
    const searchB = await request(env.app).get('/phuong-b/api/search?q=Dế Mèn').expect(200);
    expect(searchB.body.books.map((b: { id: number }) => b.id)).toContain(bookOfB.id);
    expect(searchB.body.totalBooks).toBe(1);

    const opdsB = await request(env.app).get('/phuong-b/opds/moi').expect(200);
    expect(opdsB.text).toContain('Dế Mèn phiêu lưu ký');
    expect(opdsB.text).not.toContain('Nhật ký trong tù');
    expect(opdsB.text).toContain(`/phuong-b/sach/${bookOfB.id}/tep.pdf`);
    const opdsA = await request(env.app).get('/opds/moi').expect(200);
    expect(opdsA.text).not.toContain('Dế Mèn phiêu lưu ký');
  });

  it("leads a poster's short code (/q/:code, global) into its location's library", async () => {
    const place = { kind: 'cafe' as const, address: '', ward: '', note: null, contact: null };
    const inB = await env.ctx.services.locations.create(wardBId, { name: 'Quán cà phê phường B', ...place });
    const inA = await env.ctx.services.locations.create((await env.ctx.services.libraries.defaultLibrary()).id, {
      name: 'Nhà văn hoá',
      ...place,
    });
    expect((await request(env.app).get(`/q/${inB.code}`).expect(302)).headers.location).toBe('/phuong-b/');
    expect((await request(env.app).get(`/q/${inB.code}/${bookOfB.id}`).expect(302)).headers.location).toBe(`/phuong-b/sach/${bookOfB.id}`);
    expect((await request(env.app).get(`/q/${inA.code}`).expect(302)).headers.location).toBe('/');
    expect((await request(env.app).get(`/q/${inA.code}/${bookOfA.id}`).expect(302)).headers.location).toBe(`/sach/${bookOfA.id}`);
  });

  it("keeps library B's staff out of library A's admin records: 404 by id, absent from B's lists", async () => {
    const user = await createUser(env.ctx, 'admin', undefined, wardBId);
    const { agent } = await signedInAgent(env.app, user.email, undefined, '/phuong-b/admin');
    for (const path of [`/admin/books/${bookOfA.id}`, `/admin/consents/books/${bookOfA.id}`, `/admin/ocr/books/${bookOfA.id}`]) {
      expect((await agent.get(`/phuong-b${path}`)).status, `/phuong-b${path}`).toBe(404);
    }
    await agent.get(`/phuong-b/admin/books/${bookOfB.id}`).expect(200);
    const list = await agent.get('/phuong-b/admin/books').expect(200);
    expect(list.text).toContain('Dế Mèn phiêu lưu ký');
    expect(list.text).not.toContain('Nhật ký trong tù');
    // Links on B's admin pages stay inside B's address.
    expect(list.text).toContain(`href="/phuong-b/admin/books/${bookOfB.id}"`);
  });

  it("shows library B's staff only B's background jobs, and lets them retry only those; a city admin sees every job", async () => {
    const jobsRepo = env.ctx.repos.jobs;
    const failed = async (payload: Record<string, unknown>) => {
      const id = (await jobsRepo.enqueue('test.isolation-job', payload))!;
      await env.ctx.db.updateTable('jobs').set({ status: 'failed', last_error: 'x' }).where('id', '=', id).execute();
      return id;
    };
    const jobOfA = await failed({ bookId: bookOfA.id });
    const jobOfB = await failed({ bookId: bookOfB.id });
    const installJob = await failed({ day: '2025-01-01' });
    const staffB = await createUser(env.ctx, 'librarian', undefined, wardBId);
    const { agent, csrf } = await signedInAgent(env.app, staffB.email, undefined, '/phuong-b/admin');
    const page = await agent.get('/phuong-b/admin/jobs?status=failed').expect(200);
    expect(page.text).toContain(`/admin/jobs/${jobOfB}/retry`);
    expect(page.text).not.toContain(`/admin/jobs/${jobOfA}/retry`);
    expect(page.text).not.toContain(`/admin/jobs/${installJob}/retry`);
    await agent.post(`/phuong-b/admin/jobs/${jobOfA}/retry`).type('form').send({ _csrf: csrf }).expect(404);
    await agent.post(`/phuong-b/admin/jobs/${jobOfB}/retry`).type('form').send({ _csrf: csrf }).expect(303);
    const statusOf = async (id: number) =>
      (await env.ctx.db.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect(await statusOf(jobOfA)).toBe('failed');
    expect(await statusOf(jobOfB)).toBe('queued');

    const cityAdmin = await createUser(env.ctx, 'admin');
    await env.ctx.db.updateTable('users').set({ city_role: 'city_admin' }).where('id', '=', cityAdmin.id).execute();
    const city = await signedInAgent(env.app, cityAdmin.email);
    const all = await city.agent.get('/phuong-b/admin/jobs?status=failed').expect(200);
    for (const id of [jobOfA, installJob]) expect(all.text).toContain(`/admin/jobs/${id}/retry`);

    // The default library's staff also see the install's own jobs (of no library), as before there were several libraries.
    const staffA = await createUser(env.ctx, 'librarian');
    const home = await signedInAgent(env.app, staffA.email);
    const pageA = await home.agent.get('/admin/jobs').expect(200);
    for (const id of [jobOfA, installJob]) expect(pageA.text).toContain(`<td>${id}</td>`);
    expect(pageA.text).not.toContain(`<td>${jobOfB}</td>`);
  });

  it("keeps old category addresses per library: one library's renamed slug neither blocks another library nor is taken over by it", async () => {
    const categories = env.ctx.services.categories;
    const ofA = await categories.create(await defaultLibraryId(env.ctx), { name: 'Văn học', slug: 'van-hoc' });
    await categories.update(ofA.id, { name: 'Văn học Việt Nam', slug: 'van-hoc-viet' }); // A keeps /the-loai/van-hoc as a redirect
    const ofB = await categories.create(wardBId, { name: 'Văn học', slug: 'van-hoc' }); // refused before: "slug taken"
    await categories.update(ofB.id, { name: 'Văn học phường', slug: 'van-hoc-phuong' }); // took over A's redirect before
    const inA = await request(env.app).get('/the-loai/van-hoc').expect(301);
    expect(inA.headers.location).toBe('/the-loai/van-hoc-viet');
    const inB = await request(env.app).get('/phuong-b/the-loai/van-hoc').expect(301);
    expect(inB.headers.location).toBe('/phuong-b/the-loai/van-hoc-phuong');
  });
});
