// Entry point of the PDF worker processes (see worker-pool.ts). Plain JavaScript on purpose.
//
// Workers do not inherit `--import tsx`: the pool strips it. tsx would otherwise rewrite
// pdf.js's 3 MB of JavaScript on load (to patch dynamic imports) and attach inline source maps,
// costing ~150 MB per worker and several seconds of start-up. So pdf.js is loaded here first,
// natively, and only then is tsx registered to load our TypeScript; the later loadPdfjsModules()
// call in pdfjs.ts gets the modules already loaded here.
//
// The pool starts it as a child process (settings in TVS_PDF_WORKER); a worker thread's
// workerData is still accepted.
import { workerData } from 'node:worker_threads';
import { loadPdfjsModules } from './load-pdfjs.mjs';

const settings = workerData ?? JSON.parse(process.env.TVS_PDF_WORKER ?? '{}');
await loadPdfjsModules({ patched: settings?.pdfjsWorker !== 'stock' });

const entry = String(settings?.entry ?? '');
if (!entry) throw new Error('worker-bootstrap.mjs needs workerData.entry');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(entry);
