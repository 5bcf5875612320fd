// Worker thread for tests/unit/pdf/pdfjs-patch.test.ts: loads pdf.js with the stock or the
// patched worker module (one per thread: pdf.js keeps the first it sees) and returns, per file,
// a digest of every page's raw getTextContent() items: strings, widths, transforms, font names.
import crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPdfjsModules, pdfjsWorkerVariant } from '../../src/pdf/load-pdfjs.mjs';

const { patched, files, assets } = workerData;
const { getDocument, VerbosityLevel } = await loadPdfjsModules({ patched });

const digests = {};
for (const file of files) {
  const pages = [];
  try {
    const doc = await getDocument({
      url: file,
      ...assets,
      isEvalSupported: false,
      useSystemFonts: false,
      disableFontFace: true,
      verbosity: VerbosityLevel.ERRORS,
    }).promise;
    for (let n = 1; n <= doc.numPages; n++) {
      try {
        const page = await doc.getPage(n);
        const { items } = await page.getTextContent();
        pages.push(`${items.length}:${crypto.createHash('sha256').update(JSON.stringify(items)).digest('hex')}`);
        page.cleanup();
      } catch (err) {
        pages.push(`page error: ${err.message}`);
      }
    }
    await doc.destroy();
  } catch (err) {
    pages.push(`open error: ${err.message}`);
  }
  digests[file] = pages;
}
parentPort.postMessage({ variant: pdfjsWorkerVariant(), digests });
