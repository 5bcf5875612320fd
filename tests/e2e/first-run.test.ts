import { describe, expect, it } from 'vitest';
import { browserApp, browserUnavailable, phoneContext, submitSignIn } from '../helpers/browser.ts';
import { createTestEnv } from '../helpers/test-context.ts';

const skipReason = browserUnavailable();

describe.skipIf(skipReason !== null)('first run in a phone browser', () => {
  const t = browserApp(createTestEnv);

  it('sets up the library, signs in, creates a librarian and signs out', async () => {
    const context = await phoneContext(t.browser, { baseURL: t.server.baseURL });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Thiết lập thư viện lần đầu' }).click();
    await expect.poll(() => page.url()).toContain('/setup');
    await page.getByLabel('Họ và tên').fill('Lê Thị Hồng');
    await page.getByLabel('Email').fill('hong@doanphuong.vn');
    await page.getByLabel('Mật khẩu', { exact: true }).fill('mat-khau-doan-phuong');
    await page.getByLabel('Nhập lại mật khẩu').fill('mat-khau-doan-phuong');
    await page.getByRole('button', { name: 'Tạo tài khoản quản trị' }).click();
    await expect.poll(() => page.url()).toContain('/admin');
    expect(await page.getByRole('status').textContent()).toContain('Đã tạo tài khoản quản trị');

    // Sign out and back in through the sign-in form, as the admin would next time.
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.goto('/admin/users');
    await expect.poll(() => page.url()).toContain('/dang-nhap');
    await submitSignIn(page, 'hong@doanphuong.vn', 'mat-khau-doan-phuong', '/admin/users');

    // Create a librarian with a password.
    await page.getByLabel('Họ và tên').fill('Phạm Văn Thủ');
    await page.getByLabel('Email').fill('thu@doanphuong.vn');
    await page.getByLabel('Vai trò', { exact: true }).selectOption('librarian');
    await page.getByLabel('Mật khẩu').fill('mat-khau-thu-thu-1');
    await page.getByRole('button', { name: 'Tạo tài khoản mới' }).click();
    await expect.poll(async () => page.getByRole('status').first().textContent()).toContain('Đã tạo tài khoản thu@doanphuong.vn');
    expect(await page.locator('table').textContent()).toContain('Thủ thư');
    // The page fits a phone: nothing wider than the viewport except the scrollable table.
    // A string expression: the test project compiles without DOM types.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);

    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await expect.poll(async () => page.getByRole('status').first().textContent()).toContain('Bạn đã đăng xuất.');
    await page.goto('/admin');
    await expect.poll(() => page.url()).toContain('/dang-nhap');

    // The new librarian can sign in and sees no account administration.
    await submitSignIn(page, 'thu@doanphuong.vn', 'mat-khau-thu-thu-1', '/admin');
    expect(await page.getByRole('link', { name: 'Tài khoản' }).count()).toBe(0);
    await context.close();
  });
});
