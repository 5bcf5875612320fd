import { fork, type ChildProcess } from 'node:child_process';
import { PdfRejectedError } from './errors.ts';
import { PDF_LIMITS_ENV, type PdfLimits } from './pdf-limits.ts';
import type { SerializedError } from './worker-protocol.ts';

const here = import.meta.url;
const BOOTSTRAP = new URL('./worker-bootstrap.mjs', here);
// Under tsx/vitest this module is .ts; a compiled build would ship extract-worker.js beside it.
const ENTRY = new URL(here.endsWith('.ts') ? './extract-worker.ts' : './extract-worker.js', here).href;

/**
 * Starts one PDF worker process: worker-bootstrap.mjs loads pdf.js, then extract-worker.ts.
 * IPC uses `serialization: 'advanced'` (structured clone, as between threads), so the messages
 * of worker-protocol.ts cross unchanged; the limits travel in the environment (pdf-limits.ts).
 */
export function forkPdfWorker(opts: { pdfjsWorker: 'patched' | 'stock'; maxHeapMb: number; limits: PdfLimits }): ChildProcess {
  return fork(BOOTSTRAP, [], {
    serialization: 'advanced',
    execArgv: [...workerExecArgv(process.execArgv), `--max-old-space-size=${opts.maxHeapMb}`],
    env: {
      ...process.env,
      TVS_PDF_WORKER: JSON.stringify({ entry: ENTRY, pdfjsWorker: opts.pdfjsWorker }),
      [PDF_LIMITS_ENV]: JSON.stringify(opts.limits),
    },
    // pdf.js's own errors and Node's warnings go where the server's go.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * Workers inherit the parent's execArgv, including `--import tsx`. We drop tsx: the bootstrap
 * loads pdf.js natively and then registers tsx itself (see worker-bootstrap.mjs for why).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const isTsx = (value: string | undefined) => !!value && (value === 'tsx' || /(^|[\\/])tsx([\\/]|$)/.test(value));
  const hookFlags = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (hookFlags.has(arg) && isTsx(execArgv[i + 1])) {
      i++;
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && hookFlags.has(arg.slice(0, eq)) && isTsx(arg.slice(eq + 1))) continue;
    out.push(arg);
  }
  return out;
}

export function deserializeError(error: SerializedError): Error {
  if (error.kind === 'rejected') return new PdfRejectedError(error.code, error.detail);
  const err = new Error(error.message);
  err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
