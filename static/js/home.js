// "Continue reading": the books this device opened, kept only in this device's storage (no account).
import { recentBooks } from './reading-state.js';

const section = document.getElementById('continue');
const list = section?.querySelector('.continue-list');
const books = recentBooks();
if (section && list && books.length) {
  const label = section.dataset.pageLabel || '{page}/{pages}';
  for (const b of books.slice(0, 5)) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `${document.body.dataset.base || ''}/doc/${encodeURIComponent(b.id)}?trang=${b.page}#page=${b.page}`;
    a.textContent = b.title;
    const small = document.createElement('span');
    small.className = 'count';
    small.textContent = ` — ${label.replace('{page}', b.page).replace('{pages}', b.pages || '?')}`;
    li.append(a, small);
    list.append(li);
  }
  section.hidden = false;
}
