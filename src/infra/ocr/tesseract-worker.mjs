// The tesseract.js worker thread, started at the lowest CPU priority. On Linux the nice value is
// per thread and setpriority(0) applies to the calling thread only, so recognition yields the
// cores to the server's request thread (and everything else) whenever they are wanted.
// Plain JavaScript: worker threads start it without tsx.
import { createRequire } from 'node:module';
import os from 'node:os';

try {
  os.setPriority(19);
} catch {
  // Not permitted here: recognition runs at normal priority.
}
createRequire(import.meta.url)('tesseract.js/src/worker-script/node/index.js');
