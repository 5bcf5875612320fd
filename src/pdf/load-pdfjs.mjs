// Loads pdf.js into the current thread, once. Plain JavaScript on purpose: worker-bootstrap.mjs
// runs it before tsx is registered (see there), and pdfjs.ts uses it for every other thread.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const STOCK_WORKER = 'pdfjs-dist/legacy/build/pdf.worker.mjs';

/**
 * Edits to pdf.js's worker source that make text extraction faster without changing its output.
 * Each `find` must occur exactly once in the installed pdfjs-dist, or no edit is made at all and
 * the stock module is used (tests/unit/pdf/pdfjs-patch.test.ts fails then, so an upgrade of
 * pdfjs-dist cannot silently lose or misapply an edit).
 *
 * fused-text-transform: for every glyph, pdf.js computes the text rendering matrix as
 * `Util.transform(ctm, Util.transform(textMatrix, tsm))`, allocating two arrays that are thrown
 * away at once. Written out in place, the products are the same expressions in the same order
 * (so the same floating-point results, bit for bit), and V8 no longer allocates the intermediate
 * arrays: text extraction takes about 20 % less CPU on the corpus books (npm run bench:ingest).
 *
 * sync-flate: pdf.js 5 inflates FlateDecode streams (every page's content stream) through the
 * WHATWG DecompressionStream when it exists. In Node that is zlib behind web-stream adapters and a
 * thread-pool hop per stream, which costs more than it saves for content streams of a few KB in a
 * thread that has nothing else to do; with `#isAsync = false` pdf.js uses its own synchronous
 * decoder — the one it already falls back to whenever zlib rejects a stream. About 6 % less CPU.
 *
 * stream-ceiling: pdf.js grows a decoded stream's buffer by doubling, without any limit, so a
 * 2 MB flate bomb asks for gigabytes. The edit refuses a buffer past
 * `globalThis.__thuVienSoMaxDecodedBytes` (set from pdf-limits.ts by pdfjs.ts before a document
 * opens) with an error our extraction recognises; unset, nothing changes. It does not change
 * output for any stream below the ceiling.
 *
 * The first two are worth proposing upstream; until then they live here.
 */
export const WORKER_PATCHES = [
  {
    name: 'fused-text-transform',
    find: 'return Util.transform(textState.ctm, Util.transform(textState.textMatrix, tsm));',
    replace: [
      'const m = textState.textMatrix, c = textState.ctm;',
      'const t0 = m[0] * tsm[0] + m[2] * tsm[1], t1 = m[1] * tsm[0] + m[3] * tsm[1], t2 = m[0] * tsm[2] + m[2] * tsm[3], t3 = m[1] * tsm[2] + m[3] * tsm[3], t4 = m[0] * tsm[4] + m[2] * tsm[5] + m[4], t5 = m[1] * tsm[4] + m[3] * tsm[5] + m[5];',
      'return [c[0] * t0 + c[2] * t1, c[1] * t0 + c[3] * t1, c[0] * t2 + c[2] * t3, c[1] * t2 + c[3] * t3, c[0] * t4 + c[2] * t5 + c[4], c[1] * t4 + c[3] * t5 + c[5]];',
    ].join(' '),
  },
  {
    name: 'sync-flate',
    find: 'class FlateStream extends DecodeStream {\n  #isAsync = true;',
    replace: 'class FlateStream extends DecodeStream {\n  #isAsync = false;',
  },
  {
    name: 'stream-ceiling',
    find: '  ensureBuffer(requested) {\n    const buffer = this.buffer;\n    if (requested <= buffer.byteLength) {\n      return buffer;\n    }\n',
    replace: [
      '  ensureBuffer(requested) {\n    const buffer = this.buffer;\n    if (requested <= buffer.byteLength) {\n      return buffer;\n    }\n',
      '    if (requested > (globalThis.__thuVienSoMaxDecodedBytes ?? Infinity)) {\n',
      '      throw new Error("decoded stream exceeds the ceiling (" + globalThis.__thuVienSoMaxDecodedBytes + " bytes)");\n',
      '    }\n',
    ].join(''),
  },
];

/**
 * Applies WORKER_PATCHES to the worker's source. All or nothing: `source` is null, with the
 * reason, when any edit does not match exactly once.
 */
export function patchWorkerSource(stockSource) {
  let source = stockSource;
  for (const patch of WORKER_PATCHES) {
    const at = source.indexOf(patch.find);
    if (at < 0 || source.indexOf(patch.find, at + 1) >= 0) {
      return { source: null, reason: `${patch.name}: ${at < 0 ? 'not found' : 'found more than once'}` };
    }
    source = source.slice(0, at) + patch.replace + source.slice(at + patch.find.length);
  }
  // The source map describes the stock file, not this one.
  return { source: source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), reason: null };
}

let loading;
let workerVariant = null;

/**
 * Imports pdf.js's API and its worker module (which sets globalThis.pdfjsWorker, so pdf.js's
 * fake worker runs in this thread instead of importing the module again on first use).
 * `patched: false` loads the stock worker module (for comparisons in tests and benchmarks).
 * Later calls return the first call's module, whatever they ask.
 *
 * The legacy build installs core-js polyfills globally; on Node 20 that includes a pure-JS
 * Array.prototype.push (5–15 % of extraction time when we measured) and a JavaScript JSON.parse
 * (for a reviver feature nobody here uses). V8's own are spec-compliant, so they are put back.
 */
export function loadPdfjsModules({ patched = true } = {}) {
  loading ??= (async () => {
    const nativePush = Array.prototype.push;
    const nativeJsonParse = JSON.parse;
    const api = await import('pdfjs-dist/legacy/build/pdf.mjs');
    if (!globalThis.pdfjsWorker) workerVariant = await importWorker(patched);
    Array.prototype.push = nativePush;
    JSON.parse = nativeJsonParse;
    return api;
  })();
  return loading;
}

/** 'patched' or 'stock' once loadPdfjsModules has run in this thread (null before, or when someone else loaded the worker). */
export function pdfjsWorkerVariant() {
  return workerVariant;
}

async function importWorker(patched) {
  if (patched) {
    const stockPath = require.resolve(STOCK_WORKER);
    const { source, reason } = patchWorkerSource(await fs.readFile(stockPath, 'utf8'));
    if (source) {
      try {
        await importFromPrivateFile(source);
        return 'patched';
      } catch (err) {
        process.emitWarning(`pdf.js: cannot load the patched worker (${err.message}); using the stock one`);
      }
    } else {
      process.emitWarning(`pdf.js: worker patch does not fit pdfjs-dist ${pdfjsVersion()} (${reason}); using the stock worker`);
    }
  }
  await import(STOCK_WORKER);
  return 'stock';
}

/**
 * An ES module is imported from a file, so the source goes to a fresh private directory (0700,
 * unpredictable name: no other local user can swap it) and is deleted once loaded — the module
 * lives on in memory. Not a data: URL, because stack traces would then carry 3 MB of base64.
 */
async function importFromPrivateFile(source) {
  await removeStaleCopies();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), COPY_PREFIX));
  try {
    const file = path.join(dir, 'pdf.worker.patched.mjs');
    await fs.writeFile(file, source, { mode: 0o600 });
    await import(pathToFileURL(file).href);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const COPY_PREFIX = 'thu-vien-so-pdfjs-';
const STALE_MS = 60 * 60_000;

/**
 * A thread terminated while loading (a pool closing during start-up, a crash) leaves its copy
 * behind; the next load removes ours that are over an hour old — loading takes a second.
 */
export async function removeStaleCopies(now = Date.now()) {
  const tmp = os.tmpdir();
  const names = await fs.readdir(tmp).catch(() => []);
  for (const name of names) {
    if (!name.startsWith(COPY_PREFIX)) continue;
    const dir = path.join(tmp, name);
    const stat = await fs.lstat(dir).catch(() => null);
    if (!stat?.isDirectory() || stat.uid !== process.getuid?.() || now - stat.mtimeMs < STALE_MS) continue;
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function pdfjsVersion() {
  try {
    return require('pdfjs-dist/package.json').version;
  } catch {
    return '(unknown version)';
  }
}
