import { describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../src/features/catalogue/catalogue.jobs.ts';
import { createUser, TEST_PASSWORD } from '../helpers/auth.ts';
import { browserApp, browserUnavailable, phoneContext, submitSignIn } from '../helpers/browser.ts';
import { makePdf } from '../helpers/make-pdf.ts';
import { createTestEnv } from '../helpers/test-context.ts';

const skipReason = browserUnavailable();

/**
 * The librarian's upload on a phone: one progress bar and one result per file (the script
 * sends one request per file), then the book page follows ingest without a manual refresh.
 */
describe.skipIf(skipReason !== null)('uploading books in a phone browser', () => {
  const t = browserApp(async () => {
    const env = await createTestEnv();
    registerCatalogueJobs(env.ctx);
    return env;
  });

  it('shows a progress bar and a result per file, then the ingest state live', async () => {
    const user = await createUser(t.env.ctx, 'librarian');
    const context = await phoneContext(t.browser, { baseURL: t.server.baseURL });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const failed: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto('/dang-nhap');
    await submitSignIn(page, user.email, TEST_PASSWORD, '/admin');

    await page.goto('/admin/books/new');
    const pdf = await makePdf({
      info: { title: 'Truyện Kiều', author: 'Nguyễn Du' },
      pages: [{ text: ['Trăm năm trong cõi người ta'] }, { text: ['Chữ tài chữ mệnh khéo là ghét nhau'] }],
    });
    await page.getByLabel('Chọn tệp PDF').setInputFiles([
      { name: 'truyen-kieu.pdf', mimeType: 'application/pdf', buffer: pdf },
      { name: 'khong-phai-pdf.pdf', mimeType: 'application/pdf', buffer: Buffer.from('chỉ là chữ') },
    ]);
    await page.getByRole('button', { name: 'Tải lên', exact: true }).click();
    const created = page.locator('[data-upload-list] li.result-created');
    const rejected = page.locator('[data-upload-list] li.result-rejected');
    await created.waitFor();
    await rejected.waitFor();
    expect(await rejected.textContent()).toContain('Đây không phải tệp PDF');
    // Each file had its own bar, now full.
    expect(
      await page.locator('[data-upload-list] progress').evaluateAll((bars) => bars.map((b) => (b as unknown as { value: number }).value)),
    ).toEqual([1, 1]);
    // Still on the upload page: the script did the work, the form did not navigate.
    expect(new URL(page.url()).pathname).toBe('/admin/books/new');

    await created.getByRole('link').click();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/admin\/books\/\d+$/);
    expect(await page.locator('#ingest-status').textContent()).toContain('Đang chờ xử lý');
    t.env.ctx.jobs.start(); // the background runner picks the job up; the page must follow by itself
    await expect.poll(async () => page.locator('#ingest-status').textContent(), { timeout: 60_000 }).toContain('Đã xử lý xong');
    expect(await page.locator('#ingest-status').textContent()).toContain('Sách có 2 trang.');
    // Metadata from the PDF pre-filled the form.
    expect(await page.getByLabel('Tên sách').inputValue()).toBe('Truyện Kiều');
    expect(await page.getByLabel('Tác giả').inputValue()).toBe('Nguyễn Du');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]); // no script error
    // The refused file's 422 is the only failed request of ours (browsers also ask for /favicon.ico).
    expect(failed.filter((f) => !f.endsWith('/favicon.ico'))).toEqual(['422 /admin/books/upload']);
    await context.close();
  });
});
