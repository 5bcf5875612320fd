// Progressive enhancement for every public page: nothing here is needed to find or read a book.
// Installs the service worker, shows an "offline" banner, suggests titles while typing, copy/share.

if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => {}));
}

const offlineText = document.querySelector('meta[name="tvs-offline"]')?.getAttribute('content');
function showOffline(off) {
  let bar = document.getElementById('offline-bar');
  if (off && !bar && offlineText) {
    bar = document.createElement('p');
    bar.id = 'offline-bar';
    bar.className = 'offline-bar';
    bar.setAttribute('role', 'status');
    bar.textContent = offlineText;
    document.body.append(bar);
  } else if (!off && bar) bar.remove();
}
window.addEventListener('offline', () => showOffline(true));
window.addEventListener('online', () => showOffline(false));
// data-saved-copy: the service worker answered from its cache because the site could not be reached.
if (!navigator.onLine || document.body.hasAttribute('data-saved-copy')) showOffline(true);

// As-you-type suggestions through the input's <datalist> (native, accessible, tiny).
for (const input of document.querySelectorAll('input[data-suggest]')) {
  const list = document.getElementById(input.getAttribute('list'));
  let timer, ctrl;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2 || !list) return;
    timer = setTimeout(async () => {
      ctrl?.abort();
      ctrl = new AbortController();
      try {
        const res = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(q)}`, { signal: ctrl.signal });
        const { suggestions } = await res.json();
        list.replaceChildren(...suggestions.map((s) => Object.assign(document.createElement('option'), { value: s.title })));
      } catch {
        // Aborted by the next keystroke, or offline: the form still searches without suggestions.
      }
    }, 200);
  });
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
function flash(button, text) {
  const old = button.textContent;
  button.textContent = text;
  setTimeout(() => (button.textContent = old), 2500);
}
for (const button of document.querySelectorAll('button[data-copy]')) {
  const input = document.querySelector(button.dataset.copy);
  button.hidden = false;
  button.addEventListener('click', async () => {
    if (!(await copyText(input.value))) {
      input.select();
      document.execCommand?.('copy');
    }
    flash(button, button.dataset.done);
  });
}
// On phones the system share sheet lists Zalo; elsewhere the link is copied to paste into Zalo.
for (const button of document.querySelectorAll('button[data-share]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const data = { title: button.dataset.shareTitle, url: button.dataset.share };
    if (navigator.share) {
      try {
        await navigator.share(data);
        return;
      } catch {
        // Cancelled or refused by the share sheet: fall back to copying the link.
      }
    }
    if (await copyText(data.url)) flash(button, button.dataset.done);
  });
}
