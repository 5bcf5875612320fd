// Reading position per book, on this device only (localStorage; nothing is sent anywhere).
const KEY = 'tvs.recent';
const MAX = 20;

export function recentBooks() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(list) ? list.filter((b) => b && Number.isInteger(b.id) && Number.isInteger(b.page)) : [];
  } catch {
    return [];
  }
}

export function lastPage(bookId) {
  return recentBooks().find((b) => b.id === bookId)?.page ?? null;
}

export function rememberPage(bookId, title, page, pages) {
  try {
    const rest = recentBooks().filter((b) => b.id !== bookId);
    localStorage.setItem(KEY, JSON.stringify([{ id: bookId, title, page, pages, at: Date.now() }, ...rest].slice(0, MAX)));
  } catch {
    // Storage refused (private mode, full): "continue reading" is a convenience, reading goes on.
  }
}
