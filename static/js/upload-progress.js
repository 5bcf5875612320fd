// Progressive enhancement for the PDF upload form: one request per file, each with its own
// progress bar and its own result (created / already in the library / refused and why).
// Without JavaScript the same form posts all files at once and the server lists the results.
(function () {
  'use strict';
  var form = document.querySelector('form[data-upload-form]');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector('input[type=file]');
  var list = form.querySelector('[data-upload-list]');
  var maxBytes = Number(form.getAttribute('data-max-bytes')) || Infinity;
  var msg = function (name) {
    return form.getAttribute('data-msg-' + name) || '';
  };

  function row(file) {
    var li = document.createElement('li');
    var name = document.createElement('strong');
    name.textContent = file.name;
    var bar = document.createElement('progress');
    bar.max = 1;
    bar.value = 0;
    var status = document.createElement('span');
    status.className = 'upload-status';
    li.appendChild(name);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(bar);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(status);
    list.appendChild(li);
    return { li: li, bar: bar, status: status };
  }

  function show(r, result) {
    r.status.textContent = '';
    if (result.kind === 'created' || result.kind === 'duplicate') {
      r.li.className = 'result-' + result.kind;
      // A file another library of the city holds: the server's sentence, and a link to shelve it.
      r.status.appendChild(document.createTextNode((result.message || msg(result.kind)) + ' '));
      var a = document.createElement('a');
      a.href = result.url;
      a.textContent = result.message ? msg('offer') : result.title;
      r.status.appendChild(a);
    } else {
      r.li.className = 'result-rejected';
      r.status.textContent = result.reason || msg('failed');
    }
  }

  function upload(file, r) {
    return new Promise(function (resolve) {
      if (file.size > maxBytes) {
        r.bar.value = 1;
        show(r, { kind: 'rejected', reason: msg('too-large') });
        return resolve();
      }
      var data = new FormData();
      data.append('files', file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('Accept', 'application/json');
      // The token goes in a header, never in the URL (which proxies and browser history keep).
      xhr.setRequestHeader('X-CSRF-Token', form.elements.namedItem('_csrf').value);
      r.status.textContent = msg('uploading');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) r.bar.value = e.loaded / e.total;
      };
      xhr.upload.onload = function () {
        r.bar.removeAttribute('value'); // indeterminate while the server checks the PDF
        r.status.textContent = msg('checking');
      };
      xhr.onload = function () {
        r.bar.value = 1;
        var body;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          // Not JSON (a proxy's error page): reported as a failed upload below.
        }
        if (body && body.results && body.results[0]) show(r, body.results[0]);
        else show(r, { kind: 'rejected', reason: (body && body.error && body.error.message) || msg('failed') });
        resolve();
      };
      xhr.onerror = function () {
        show(r, { kind: 'rejected', reason: msg('failed') });
        resolve();
      };
      xhr.send(data);
    });
  }

  form.addEventListener('submit', function (event) {
    if (!input.files || input.files.length === 0) return;
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    var rows = files.map(row);
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    // Two at a time: a phone on a slow link should not open dozens of uploads at once.
    var next = 0;
    function worker() {
      if (next >= files.length) return Promise.resolve();
      var i = next++;
      return upload(files[i], rows[i]).then(worker);
    }
    Promise.all([worker(), worker()]).then(function () {
      button.disabled = false;
      input.value = '';
    });
  });
})();
