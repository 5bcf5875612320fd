import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/db/schema/users.ts';
import { registerConsentJobs } from '../../../src/features/consent/consent.jobs.ts';
import { TAKEDOWN_JOB } from '../../../src/features/consent/takedown.service.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { draftBook, indexPresence, publishAndIndex, recordConsent, slugWord } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
let env: TestEnv;
let librarian: { agent: Agent; csrf: string; user: User };
beforeAll(async () => {
  env = await createTestEnv({ clock });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  await registerConsentJobs(env.ctx);
});
afterAll(() => env.cleanup());

const publicUrls = (id: number) => [`/sach/${id}`, `/doc/${id}`, `/sach/${id}/tep.pdf`];
// /sach/:id answers 301 to its slugged address while the book is public: follow it.
const get = (url: string) => request(env.app).get(url).redirects(2);

async function publishedWithConsent(title: string): Promise<{ id: number; consentId: number }> {
  const id = await draftBook(env.ctx, title);
  const consentId = await recordConsent(env.ctx, id, { holder: `Tác giả của ${title}`, allowDownload: true }, librarian.user);
  await publishAndIndex(env.ctx, id, librarian.user);
  return { id, consentId };
}

describe('revoking a consent takes the book down at once', () => {
  it('withdraws it, removes it from both search indexes and answers 410 Gone (no-store) on every public URL', async () => {
    const title = 'Dế Mèn phiêu lưu ký';
    const { id, consentId } = await publishedWithConsent(title);
    for (const url of publicUrls(id)) expect((await get(url)).status, url).toBe(200);
    // While public, the file may be kept but must be revalidated on every use (ETag → cheap 304),
    // so a revocation reaches phones that already hold the bytes.
    const file = await request(env.app).get(`/sach/${id}/tep.pdf`).set('Range', 'bytes=0-99').expect(206);
    expect(file.headers['cache-control']).toBe('no-cache');
    await request(env.app).get(`/sach/${id}/tep.pdf`).set('If-None-Match', file.headers.etag).expect(304);
    expect(await indexPresence(env.ctx, id)).toEqual({ book: true, pages: 3 });
    const before = await request(env.app)
      .get(`/api/search?q=${slugWord(title)}`)
      .expect(200);
    expect(JSON.stringify(before.body)).toContain(title);

    // The revocation request and readers polling the book page run side by side: the figure is the
    // time from submitting the revocation until the public page first answers 410.
    const started = performance.now();
    const revoking = librarian.agent
      .post(`/admin/consents/${consentId}/revoke`)
      .type('form')
      .send({ _csrf: librarian.csrf, reason: 'Tác giả gửi thư ngày 14/6 đề nghị gỡ sách.' })
      .then((r) => ({ status: r.status, at: performance.now() }));
    let goneAt: number | null = null;
    while (goneAt === null && performance.now() - started < 30_000) {
      if ((await get(`/sach/${id}`)).status === 410) goneAt = performance.now();
    }
    const revoked = await revoking;
    expect(revoked.status).toBe(303);
    expect(goneAt).not.toBeNull();
    console.log(
      `[consent] revocation → 410 Gone on /sach/${id}: ${Math.round(goneAt! - started)} ms (target < 2000 ms); ` +
        `revocation request done, book out of both indexes: ${Math.round(revoked.at - started)} ms`,
    );

    for (const url of publicUrls(id)) {
      const res = await request(env.app).get(url).set('Accept', 'text/html');
      expect(res.status, url).toBe(410);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.text).toContain('Sách này không còn được chia sẻ');
      expect(res.text).toContain('Chủ sở hữu quyền đã rút lại sự đồng ý chia sẻ cuốn sách này');
      expect(res.text).not.toContain(title); // the explanation does not keep advertising the book
    }
    const json = await request(env.app).get(`/sach/${id}`).set('Accept', 'application/json').expect(410);
    expect(json.body.error.code).toBe('gone');
    expect(await indexPresence(env.ctx, id)).toEqual({ book: false, pages: 0 });
    const after = await request(env.app)
      .get(`/api/search?q=${slugWord(title)}`)
      .expect(200);
    expect(JSON.stringify(after.body)).not.toContain(title);
    const home = await request(env.app).get('/').expect(200);
    expect(home.text).not.toContain(title);

    const book = await env.ctx.db.selectFrom('books').select(['status']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(book.status).toBe('withdrawn');
    const consent = await env.ctx.services.consent.get(consentId);
    expect(consent.consent).toMatchObject({
      status: 'revoked',
      revoked_by: librarian.user.id,
      revoked_reason: 'Tác giả gửi thư ngày 14/6 đề nghị gỡ sách.',
    });
    expect(consent.consent.revoked_at?.toISOString()).toBe(clock.now().toISOString());
  });

  it('is answered with 404, not 410, when a librarian withdrew the book for another reason', async () => {
    const { id } = await publishedWithConsent('Sách gỡ vì lỗi in');
    await env.ctx.services.books.withdraw(id, librarian.user, 'Tệp bị lỗi');
    for (const url of publicUrls(id)) expect((await get(url)).status, url).toBe(404);
  });

  it('keeps a book published while another valid basis remains (a second, current consent of the same holder)', async () => {
    const id = await draftBook(env.ctx, 'Sách có hai lần đồng ý');
    const first = await recordConsent(env.ctx, id, { holder: 'Tác giả Hai Lần', grantedOn: '2024-01-01' });
    await recordConsent(env.ctx, id, { holder: 'Tác giả Hai Lần', grantedOn: '2025-06-01', allowDownload: true });
    await publishAndIndex(env.ctx, id, librarian.user);
    const { takedown } = await env.ctx.services.consent.revoke(first, 'Thay bằng thư mới.', librarian.user);
    expect(takedown).toBe('still_allowed');
    expect((await get(`/sach/${id}`)).status).toBe(200);
  });

  it('comes back (200) once a new consent is granted and the book is published again', async () => {
    const { id, consentId } = await publishedWithConsent('Sách được cho phép lại');
    await env.ctx.services.consent.revoke(consentId, 'Tạm gỡ theo yêu cầu.', librarian.user);
    expect((await get(`/sach/${id}`)).status).toBe(410);
    await recordConsent(env.ctx, id, { holder: 'Tác giả của Sách được cho phép lại', grantedOn: '2025-06-15' }, librarian.user);
    await publishAndIndex(env.ctx, id, librarian.user);
    expect((await get(`/sach/${id}`)).status).toBe(200);
    expect(await indexPresence(env.ctx, id)).toEqual({ book: true, pages: 3 });
  });

  it('finishes the takedown from the durable job when the immediate withdraw fails', async () => {
    const { id, consentId } = await publishedWithConsent('Sách gỡ bằng tác vụ nền');
    const books = env.ctx.services.books;
    const realWithdraw = books.withdraw.bind(books);
    // Fault injection: the catalogue is unreachable at the moment of the revocation.
    books.withdraw = async () => {
      throw new Error('simulated failure');
    };
    try {
      const { takedown } = await env.ctx.services.consent.revoke(consentId, 'Yêu cầu gỡ.', librarian.user);
      expect(takedown).toBe('deferred');
    } finally {
      books.withdraw = realWithdraw;
    }
    expect((await get(`/sach/${id}`)).status).toBe(200);
    const queued = await env.ctx.db
      .selectFrom('jobs')
      .select(['id', 'status'])
      .where('type', '=', TAKEDOWN_JOB)
      .where('dedupe_key', '=', `${TAKEDOWN_JOB}:${id}`)
      .execute();
    expect(queued.map((j) => j.status)).toEqual(['queued']);
    while ((await env.ctx.jobs.runDueJobs()) > 0) await env.ctx.jobs.idle();
    expect((await env.ctx.repos.jobs.findById(queued[0].id))?.status).toBe('succeeded');
    expect((await get(`/sach/${id}`)).status).toBe(410);
    expect(await indexPresence(env.ctx, id)).toEqual({ book: false, pages: 0 });
  });
});
