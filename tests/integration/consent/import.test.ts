import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderSource } from '../../../src/features/catalogue/ingest/import-sources.ts';
import { publishRefusalText } from '../../../src/features/catalogue/ingest/import-text.ts';
import { ImportService } from '../../../src/features/catalogue/ingest/import.service.ts';
import { ManifestError } from '../../../src/features/catalogue/ingest/manifest.ts';
import { translator } from '../../../src/http/i18n/index.ts';
import { rightsStatementText } from '../../../src/features/consent/view-helpers.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { registerJobHandlers } from '../../../src/jobs.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';
import { createTestEnv, defaultLibraryId, type TestEnv } from '../../helpers/test-context.ts';

const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
let env: TestEnv;
/** The rights statement under a public book, as its page words it. */
const statementText = async (bookId: number, lang: 'vi' | 'en') =>
  rightsStatementText(await env.ctx.services.rightsStatement.statement(bookId), translator(lang));
let folder: string;
beforeAll(async () => {
  env = await createTestEnv({ clock });
  await registerJobHandlers(env.ctx);
  env.ctx.jobs.start();
  folder = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-consent-import-'));
  const books = ['de-men', 'binh-ngo', 'cc-sach', 'het-han', 'khong-ro', 'tho-to-hoai'];
  for (const [i, name] of books.entries()) {
    await fs.writeFile(
      path.join(folder, `${name}.pdf`),
      tinyPdf({ pages: [`Sach so ${i + 1}: ${name}. Noi dung thu nghiem cho viec nhap hang loat.`, `Trang hai cua ${name}.`] }),
    );
  }
});
afterAll(async () => {
  await env.cleanup();
  await fs.rm(folder, { recursive: true, force: true });
});

const MANIFEST = [
  'file,title,basis,basis_note,licence,rights_holder,rights_holder_kind,consent_date,consent_until,allow_download',
  'de-men.pdf,Dế Mèn phiêu lưu ký,consent,Đồng ý qua thư tay,,Tô Hoài,heir,05/03/2025,,yes',
  'binh-ngo.pdf,Bình Ngô đại cáo,public-domain,Tác phẩm thế kỷ XV,,,,,,',
  'cc-sach.pdf,Sách giấy phép mở,open-licence,,https://creativecommons.org/licenses/by-sa/4.0/,,,,,no',
  'het-han.pdf,Sách đã hết hạn đồng ý,consent,,,Tác giả Cũ,author,2024-01-01,2025-01-31,no',
  'khong-ro.pdf,Sách chưa rõ quyền,,,,,,,,',
  'tho-to-hoai.pdf,Thơ Tô Hoài,,,,tô hoài; NXB Kim Đồng,heir;publisher,2025-04-01,2030-12-31,no',
].join('\n');

describe('bulk import: consent columns of the manifest', () => {
  it('lists every problem of the consent columns before importing anything', async () => {
    const importer = new ImportService(env.ctx);
    const bad = 'file,basis,rights_holder,consent_date,allow_download\nx.pdf,maybe,,,\ny.pdf,consent,Ai Đó,31/02/2025,perhaps\n';
    const err = await importer.prepareManifest(await defaultLibraryId(env.ctx), bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    const t = translator('vi');
    const messages = (err as ManifestError).problems.map((p) => t(p.key, p.params));
    expect(messages.join('\n')).toContain('cột basis "maybe" không hợp lệ');
    expect(messages.join('\n')).toContain('ngày "31/02/2025" không hợp lệ');
    expect(messages.join('\n')).toContain('allow_download "perhaps" phải là yes hoặc no');
    expect(await env.ctx.db.selectFrom('books').select('id').execute()).toEqual([]);
  });

  it('records holders, consents and bases, then --publish publishes only the books whose basis is complete, each with the reason', async () => {
    const importer = new ImportService(env.ctx);
    const manifest = await importer.prepareManifest(await defaultLibraryId(env.ctx), MANIFEST);
    const outcomes = await importer.importSource(folderSource(folder), {
      manifest,
      libraryId: await defaultLibraryId(env.ctx),
      actor: null,
    });
    expect(outcomes.map((o) => [o.kind, o.problem])).toEqual(Array(6).fill(['created', undefined]));
    const ids = Object.fromEntries(outcomes.map((o) => [o.name.replace('.pdf', ''), o.bookId!]));
    const states = await importer.waitForIngest(Object.values(ids));
    expect([...states.values()].map((s) => s.status)).toEqual(Array(6).fill('indexed'));

    const { published, blocked } = await importer.publishAll(Object.values(ids), null);
    expect(published.sort()).toEqual([ids['de-men'], ids['binh-ngo'], ids['cc-sach'], ids['tho-to-hoai']].sort());
    const reasons = Object.fromEntries(blocked.map((b) => [b.bookId, publishRefusalText(b.problem, env.ctx.services.publishGate, 'vi')]));
    expect(reasons[ids['het-han']]).toContain('Sự đồng ý của Tác giả Cũ (tác giả) đã hết hạn ngày 31/01/2025.');
    expect(reasons[ids['khong-ro']]).toContain('Chưa ghi nhận chủ sở hữu quyền nào');

    // Tô Hoài exists once (matched by name, whatever the case), with both of their books.
    const toHoai = await env.ctx.db.selectFrom('rights_holders').selectAll().where('name', 'ilike', 'tô hoài').execute();
    expect(toHoai.map((h) => [h.name, h.kind])).toEqual([['Tô Hoài', 'heir']]);
    expect((await env.ctx.services.rightsHolders.page(toHoai[0].id)).books.map((b) => b.title).sort()).toEqual([
      'Dế Mèn phiêu lưu ký',
      'Thơ Tô Hoài',
    ]);

    const deMen = await env.ctx.services.consent.bookOverview(ids['de-men']);
    expect(deMen.consents).toHaveLength(1);
    expect(deMen.consents[0]).toMatchObject({
      status: 'granted',
      method: 'other',
      granted_on: '2025-03-05',
      starts_on: '2025-03-05',
      ends_on: null,
      allow_download: true,
      terms: 'Đồng ý qua thư tay',
    });
    expect(await env.ctx.services.publishGate.check(ids['de-men'])).toMatchObject({ allowDownload: true });
    expect(await env.ctx.services.publishGate.check(ids['tho-to-hoai'])).toMatchObject({ allowed: true, allowDownload: false });
    expect((await env.ctx.services.consent.bookOverview(ids['cc-sach'])).basis).toMatchObject({
      basis: 'open_licence',
      licence_name: 'CC BY-SA 4.0',
      allow_download: false,
    });
    expect(await statementText(ids['binh-ngo'], 'vi')).toBe('Tác phẩm thuộc phạm vi công cộng.');

    const audit = await env.ctx.services.audit.list({ bookId: ids['de-men'], limit: 20 });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['consent.created', 'book_rights.holder_added', 'book.published']));
    expect(audit.every((a) => a.actor_id === null)).toBe(true); // the CLI acts as the system
  });
});
