// Entry point of the PDF worker threads (see worker-pool.ts). Plain JavaScript on purpose.
//
// Workers do not inherit `--import tsx`: the pool strips it. tsx would otherwise rewrite
// pdf.js's 3 MB of JavaScript on load (to patch dynamic imports) and attach inline source maps,
// costing ~150 MB per worker and several seconds of start-up. So pdf.js is loaded here first,
// natively, and only then is tsx registered to load our TypeScript; the later
// `import('pdfjs-dist/...')` in pdfjs.ts is answered from the module cache.
import { workerData } from 'node:worker_threads';

const nativePush = Array.prototype.push;
const nativeJsonParse = JSON.parse;
await import('pdfjs-dist/legacy/build/pdf.mjs');
await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
// The legacy build replaces Array.prototype.push and JSON.parse with core-js's slower versions; see pdfjs.ts.
Array.prototype.push = nativePush;
JSON.parse = nativeJsonParse;

const entry = String(workerData?.entry ?? '');
if (!entry) throw new Error('worker-bootstrap.mjs needs workerData.entry');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(entry);
