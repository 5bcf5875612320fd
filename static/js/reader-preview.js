// Shows the server-rendered picture of page 1 while pdf.js is still on its way (a first visit
// over a slow connection: the reader's code alone is ~250 KB). A classic deferred script, so it
// runs as soon as the page is parsed, before the reader module and its imports have arrived.
// Browsers without ES modules keep the no-JavaScript page (table of contents, text mode).
(function () {
  var box = document.getElementById('preview');
  if (!box || !('noModule' in HTMLScriptElement.prototype)) return;
  var wanted = /(?:^#|&)page=(\d+)/.exec(location.hash);
  if (wanted && wanted[1] !== '1') {
    box.remove();
    return;
  }
  var img = box.querySelector('img');
  function shown() {
    if (!box.isConnected) return;
    // Looked up now, not captured: reader.js may have set up the metrics object meanwhile.
    var metrics = (window.__readerMetrics = window.__readerMetrics || {});
    metrics.previewAt = performance.now();
    document.body.dataset.previewShown = '1';
  }
  document.body.classList.add('preview-on');
  if (img.complete && img.naturalWidth) shown();
  else img.addEventListener('load', shown, { once: true });
  img.addEventListener(
    'error',
    function () {
      box.remove();
    },
    { once: true },
  );
})();
