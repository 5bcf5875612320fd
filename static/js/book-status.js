// Keeps the book page's ingest status current (queued → extracting → indexed / failed) by
// polling a small JSON endpoint; without JavaScript a <noscript> meta refresh does the same.
(function () {
  'use strict';
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
  var box = document.getElementById('ingest-status');
  if (!box || box.getAttribute('data-done') === '1' || !window.fetch) return;
  var url = box.getAttribute('data-status-url');
  var field = function (name) {
    return box.querySelector('[data-field="' + name + '"]');
  };
  var delay = 1500;

  function poll() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (!s) return setTimeout(poll, (delay = Math.min(delay * 2, 15000)));
        field('ingestLabel').textContent = s.ingestLabel;
        field('progress').textContent = s.progressText ? '(' + s.progressText + ')' : '';
        var bar = field('bar');
        if (bar && s.ingestStatus === 'extracting' && s.progressTotal) {
          bar.max = s.progressTotal;
          bar.value = s.progress;
          bar.textContent = s.progressText;
        }
        if (s.error) {
          field('error').textContent = s.error;
          field('error').hidden = false;
        }
        if (s.done) {
          // The rest of the page (page count, pre-filled metadata, cover) changed too: reload once.
          window.location.reload();
          return;
        }
        setTimeout(poll, delay);
      })
      .catch(function () {
        setTimeout(poll, (delay = Math.min(delay * 2, 15000)));
      });
  }
  setTimeout(poll, delay);
})();
