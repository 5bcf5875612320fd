import { describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../helpers/auth.ts';
import { browserApp, browserUnavailable, phoneContext, submitSignIn } from '../helpers/browser.ts';
import { createBook, pagesWith } from '../helpers/books.ts';
import { createTestEnv, defaultLibraryId } from '../helpers/test-context.ts';

const skipReason = browserUnavailable();

/**
 * A librarian on a phone: the publish button of a book still being processed looks disabled
 * (grey, no pointer — app.css, not only on consent pages) and says why; a published book's
 * poster is one tap from its page, with a place chosen on the poster page without JavaScript.
 */
describe.skipIf(skipReason !== null)('librarian tools in a phone browser', () => {
  const t = browserApp(() => createTestEnv());

  it('disabled looks disabled and says why; a book poster in one tap, then a place', async () => {
    const { ctx } = t.env;
    const librarian = await createUser(ctx, 'librarian');
    const busy = await createBook(ctx, { title: 'Sách đang xử lý', pages: pagesWith(2), status: 'draft' });
    await ctx.db
      .updateTable('books')
      .set({ ingest_status: 'extracting', ingest_progress: 40, ingest_total: 200, ingest_started_at: new Date(Date.now() - 20_000) })
      .where('id', '=', busy.id)
      .execute();
    const book = await createBook(ctx, { title: 'Truyện Kiều', pages: pagesWith(3) });
    await ctx.services.locations.create(await defaultLibraryId(ctx), {
      name: 'Quán cà phê Góc Phố',
      kind: 'cafe',
      address: '',
      ward: '',
      note: null,
      contact: null,
    });

    const context = await phoneContext(t.browser, { baseURL: t.server.baseURL });
    const page = await context.newPage();
    await page.goto('/dang-nhap');
    await submitSignIn(page, librarian.email, TEST_PASSWORD, /^\/admin/);

    await page.goto(`/admin/books/${busy.id}`);
    expect((await page.locator('[data-field="progress"]').textContent())!.trim()).toBe('(40 / 200 trang · còn khoảng 2 phút)');
    const publish = page.getByRole('button', { name: 'Xuất bản', exact: true });
    expect(await publish.isDisabled()).toBe(true);
    const look = await publish.evaluate((b) => {
      const s = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; cursor: string } }).getComputedStyle(
        b,
      );
      return { bg: s.backgroundColor, cursor: s.cursor };
    });
    expect(look).toEqual({ bg: 'rgb(213, 217, 222)', cursor: 'not-allowed' });
    const why = page.locator('#publish-why');
    expect(await why.isVisible()).toBe(true);
    expect(await why.textContent()).toContain('sách đang được xử lý');
    expect(await publish.getAttribute('aria-describedby')).toBe('publish-why');

    // One tap from the book's page to its poster; the place is chosen on the poster page.
    await page.goto(`/admin/books/${book.id}`);
    await page.getByRole('link', { name: 'In áp phích mã QR cho sách này' }).click();
    await page.waitForURL(/\/admin\/locations\/poster\?/);
    expect(await page.locator('p.url').textContent()).toMatch(new RegExp(`/sach/${book.id}-truyen-kieu$`));
    await page.getByLabel('Điểm đặt áp phích').selectOption({ label: 'Quán cà phê Góc Phố' });
    await page.getByLabel('Khổ giấy').selectOption('a5');
    await page.getByRole('button', { name: 'Cập nhật áp phích' }).click();
    await page.waitForURL(/place=\d+/);
    expect(await page.locator('p.url').textContent()).toMatch(new RegExp(`/q/[a-z0-9]{6}/${book.id}$`));
    expect(await page.locator('p.place').textContent()).toBe('Quán cà phê Góc Phố');
    // Printed, the choices disappear.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.tools').isVisible()).toBe(false);
    await context.close();
  });
});
