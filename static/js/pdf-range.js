// Byte ranges of a PDF for pdf.js, fetched by us instead of pdf.js's own loader, because on a
// 400 ms round trip every saved request counts:
// - the length comes with the page (no first request just to learn it);
// - the head and the tail of the file (header, xref, page tree) are asked for at once, in
//   parallel, while pdf.js's worker is still starting;
// - a failed range is retried (flaky 3G/4G), and a server or proxy that ignores Range still
//   works: its one full answer serves every request (the "Range disabled" budget baseline).

const RETRIES = 3;

export function createRangeTransport(pdfjsLib, { url, length, chunkSize, onFatal }) {
  let whole = null; // Promise of the entire file, once a server answered 200 instead of 206
  const prefetched = [];
  const controllers = new Set();

  async function fetchRange(begin, end, attempt = 0) {
    if (whole) return (await whole).slice(begin, end);
    const ctrl = new AbortController();
    controllers.add(ctrl);
    try {
      const res = await fetch(url, { headers: { Range: `bytes=${begin}-${end - 1}` }, signal: ctrl.signal });
      if (res.status === 200) {
        // Ranges unsupported: one full body serves every request; stop the other transfers.
        if (!whole) {
          for (const c of controllers) if (c !== ctrl) c.abort();
          whole = res.arrayBuffer().then((b) => new Uint8Array(b));
        } else res.body?.cancel();
        return (await whole).slice(begin, end);
      }
      if (res.status !== 206) throw new Error(`HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      if (whole) return (await whole).slice(begin, end);
      if (attempt + 1 >= RETRIES) throw err;
      await new Promise((r) => setTimeout(r, 800 * 2 ** attempt));
      return fetchRange(begin, end, attempt + 1);
    } finally {
      controllers.delete(ctrl);
    }
  }

  function prefetch(begin, end) {
    const data = fetchRange(begin, end);
    data.catch(() => {});
    prefetched.push({ begin, end, data });
  }

  // Head: the first chunk. Tail: the last two chunks (xref and trailer, often the page tree).
  const headEnd = Math.min(length, chunkSize);
  prefetch(0, headEnd);
  const tailBegin = Math.max(headEnd, (Math.ceil(length / chunkSize) - 2) * chunkSize);
  if (tailBegin < length) prefetch(tailBegin, length);

  class Transport extends pdfjsLib.PDFDataRangeTransport {
    requestDataRange(begin, end) {
      const pre = prefetched.find((p) => p.begin <= begin && end <= p.end);
      const data = pre ? pre.data.then((buf) => buf.slice(begin - pre.begin, end - pre.begin)) : fetchRange(begin, end);
      data.then((chunk) => this.onDataRange(begin, chunk), onFatal);
    }
  }
  return new Transport(length, null);
}
