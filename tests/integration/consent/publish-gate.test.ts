import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/db/schema/users.ts';
import { rightsStatementText } from '../../../src/features/consent/view-helpers.ts';
import { translator } from '../../../src/http/i18n/index.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { draftBook, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, defaultLibraryId, type TestEnv } from '../../helpers/test-context.ts';

// 10:00 in Hà Nội on 15 June 2025.
const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
let env: TestEnv;
/** The rights statement under a public book, as its page words it. */
const statementText = async (bookId: number, lang: 'vi' | 'en') =>
  rightsStatementText(await env.ctx.services.rightsStatement.statement(bookId), translator(lang));
let librarian: { agent: Agent; csrf: string; user: User };
beforeAll(async () => {
  env = await createTestEnv({ clock });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(() => env.cleanup());

/** The gate's decision with its problems put in words, as the publish button and the import summary show them. */
const gate = async (id: number, lang: 'vi' | 'en' = 'vi') => {
  const { problems, ...decision } = await env.ctx.services.publishGate.check(id);
  return { ...decision, reasons: env.ctx.services.publishGate.describe(problems, lang) };
};
const status = async (id: number) =>
  (await env.ctx.db.selectFrom('books').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

describe('publish gate: nothing is published without a valid basis', () => {
  it('refuses a book with no rights holder and no public-domain/open-licence basis, and says so', async () => {
    const id = await draftBook(env.ctx, 'Sách chưa có ai đồng ý');
    const decision = await gate(id);
    expect(decision.allowed).toBe(false);
    expect(decision.allowDownload).toBe(false);
    expect(decision.reasons).toEqual([expect.stringContaining('Chưa ghi nhận chủ sở hữu quyền nào')]);
    await expect(env.ctx.services.books.publish(id, librarian.user)).rejects.toMatchObject({ status: 409, code: 'publish_blocked' });

    // Through the admin UI as well: the catalogue's publish button leaves it a draft.
    await librarian.agent.post(`/admin/books/${id}/publish`).type('form').send({ _csrf: librarian.csrf }).expect(303);
    expect(await status(id)).toBe('draft');
    const page = await librarian.agent.get(`/admin/consents/books/${id}`).expect(200);
    expect(page.text).toContain('data-gate="blocked"');
    expect(page.text).toContain('Chưa ghi nhận chủ sở hữu quyền nào');
  });

  it('needs a granted, current consent from EVERY required rights holder, naming who is missing', async () => {
    const id = await draftBook(env.ctx, 'Sách dịch');
    await recordConsent(env.ctx, id, { holder: 'Tác giả Một', kind: 'author', role: 'author' }, librarian.user);
    const pendingId = await recordConsent(
      env.ctx,
      id,
      { holder: 'Dịch giả Hai', kind: 'translator', role: 'translator', status: 'pending' },
      librarian.user,
    );
    // The service answers with codes and data; words are the caller's business.
    expect((await env.ctx.services.publishGate.check(id)).problems).toEqual([
      { code: 'holder_pending', holder: 'Dịch giả Hai', role: 'translator' },
    ]);
    const blocked = await gate(id);
    expect(blocked.allowed).toBe(false);
    expect(blocked.reasons).toEqual(['Đang chờ Dịch giả Hai (dịch giả) đồng ý.']);
    expect((await gate(id, 'en')).reasons).toEqual(['Still waiting for consent from Dịch giả Hai (translator).']);

    // A publisher added to the list later must consent too.
    const publisher = await env.ctx.services.rightsHolders.create(
      { name: 'NXB Ba', kind: 'publisher', phone: '', email: '', zalo: '', address: '', notes: '' },
      await defaultLibraryId(env.ctx),
      librarian.user,
    );
    await env.ctx.services.rightsHolders.addToBook(id, publisher.id, 'publisher', librarian.user);
    expect((await gate(id)).reasons).toEqual(['Đang chờ Dịch giả Hai (dịch giả) đồng ý.', 'Chưa có sự đồng ý của NXB Ba (nhà xuất bản).']);

    // The translator grants (through the consent page), the publisher too: now it may be published.
    await librarian.agent
      .post(`/admin/consents/${pendingId}/grant`)
      .type('form')
      .send({ _csrf: librarian.csrf, grantedOn: '2025-06-10', terms: 'Đồng ý qua thư ngày 10/6.' })
      .expect(303);
    await recordConsent(env.ctx, id, { holder: 'NXB Ba', role: 'publisher' }, librarian.user);
    expect(await gate(id)).toEqual({ allowed: true, reasons: [], allowDownload: false });
    await publishAndIndex(env.ctx, id, librarian.user);
    expect(await status(id)).toBe('published');
  });

  it('does not count a consent that has not started yet, has ended, or was revoked', async () => {
    const future = await draftBook(env.ctx, 'Sách đồng ý từ tháng sau');
    await recordConsent(env.ctx, future, { holder: 'Tác giả Tương Lai', grantedOn: '2025-06-01', startsOn: '2025-07-01' });
    expect((await gate(future)).reasons).toEqual(['Sự đồng ý của Tác giả Tương Lai (tác giả) chỉ có hiệu lực từ ngày 01/07/2025.']);

    const ended = await draftBook(env.ctx, 'Sách hết hạn');
    await recordConsent(env.ctx, ended, { holder: 'Tác giả Quá Khứ', grantedOn: '2024-01-01', endsOn: '2025-06-14' });
    expect((await gate(ended)).reasons).toEqual(['Sự đồng ý của Tác giả Quá Khứ (tác giả) đã hết hạn ngày 14/06/2025.']);

    const lastDay = await draftBook(env.ctx, 'Sách còn hạn đến hôm nay');
    await recordConsent(env.ctx, lastDay, { holder: 'Tác giả Hôm Nay', grantedOn: '2024-01-01', endsOn: '2025-06-15' });
    expect((await gate(lastDay)).allowed).toBe(true);

    const revoked = await draftBook(env.ctx, 'Sách bị rút');
    const c = await recordConsent(env.ctx, revoked, { holder: 'Tác giả Đổi Ý' });
    expect((await gate(revoked)).allowed).toBe(true);
    await env.ctx.services.consent.revoke(c, 'Tác giả gọi điện đề nghị gỡ.', librarian.user);
    expect((await gate(revoked)).reasons).toEqual(['Tác giả Đổi Ý (tác giả) đã rút lại sự đồng ý.']);
  });

  it('accepts a recorded public-domain reason or an open licence instead of consents', async () => {
    const pd = await draftBook(env.ctx, 'Truyện dân gian');
    const missing = await librarian.agent
      .post(`/admin/consents/books/${pd}/basis`)
      .type('form')
      .send({ _csrf: librarian.csrf, basis: 'public_domain', note: '' })
      .expect(400);
    expect(missing.text).toContain('Hãy ghi lý do sách thuộc phạm vi công cộng.');
    expect((await gate(pd)).allowed).toBe(false);
    await librarian.agent
      .post(`/admin/consents/books/${pd}/basis`)
      .type('form')
      .send({ _csrf: librarian.csrf, basis: 'public_domain', note: 'Văn học dân gian khuyết danh.', allowDownload: 'yes' })
      .expect(303);
    expect(await gate(pd)).toEqual({ allowed: true, reasons: [], allowDownload: true });

    const cc = await draftBook(env.ctx, 'Sách giấy phép mở');
    await librarian.agent
      .post(`/admin/consents/books/${cc}/basis`)
      .type('form')
      .send({
        _csrf: librarian.csrf,
        basis: 'open_licence',
        licenceName: 'CC BY-NC 4.0',
        licenceUrl: 'https://creativecommons.org/licenses/by-nc/4.0/',
      })
      .expect(303);
    expect(await gate(cc)).toEqual({ allowed: true, reasons: [], allowDownload: false });
    const statement = await statementText(cc, 'vi');
    expect(statement).toBe('Chia sẻ theo giấy phép mở: CC BY-NC 4.0.');
    expect(await statementText(pd, 'vi')).toBe('Tác phẩm thuộc phạm vi công cộng.');
  });

  it('refuses to leave a published book without a basis by changing it', async () => {
    const id = await draftBook(env.ctx, 'Sách công cộng đã xuất bản');
    await env.ctx.services.consent.setBasis(
      id,
      { basis: 'public_domain', note: 'Tác giả mất năm 1930.', licenceName: '', licenceUrl: '', allowDownload: true },
      librarian.user,
    );
    await publishAndIndex(env.ctx, id, librarian.user);
    const res = await librarian.agent
      .post(`/admin/consents/books/${id}/basis`)
      .type('form')
      .send({ _csrf: librarian.csrf, basis: 'consent' })
      .expect(400);
    expect(res.text).toContain('Sách đang được xuất bản');
    expect((await env.ctx.services.consent.bookOverview(id)).basis?.basis).toBe('public_domain');
  });

  it('offers downloads only when every consent relied upon allows them', async () => {
    const id = await draftBook(env.ctx, 'Sách hai người đồng ý');
    await recordConsent(env.ctx, id, { holder: 'Tác giả Cho Tải', allowDownload: true });
    expect((await gate(id)).allowDownload).toBe(true);
    await recordConsent(env.ctx, id, { holder: 'NXB Không Cho Tải', kind: 'publisher', role: 'publisher', allowDownload: false });
    expect(await gate(id)).toEqual({ allowed: true, reasons: [], allowDownload: false });
    expect(await env.ctx.services.consent.downloadAllowed(id)).toBe(false);
  });
});
