import { parentPort } from 'node:worker_threads';

/**
 * The channel between worker-pool.ts and extract-worker.ts. The pool runs workers as child
 * processes (IPC with `serialization: 'advanced'`, so the same structured-clone messages as
 * worker threads); a worker thread's parentPort is still accepted, so the protocol does not
 * depend on the transport underneath.
 */
export interface WorkerPort {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

export function workerPort(): WorkerPort {
  if (parentPort) {
    const port = parentPort;
    return { postMessage: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) };
  }
  if (process.send) {
    // The pool went away (crashed, killed): nobody will read our results.
    process.on('disconnect', () => process.exit(0));
    // Ctrl-C and `systemctl stop` signal the whole process group, workers included. The pool owns
    // their lifetime (a graceful stop lets running jobs finish, then ends them; the channel closing
    // ends them too), so a group signal must not kill a page mid-render: OCR would record it failed.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => undefined);
    return { postMessage: (m) => void process.send!(m), onMessage: (l) => process.on('message', l) };
  }
  throw new Error('extract-worker.ts must run in a PDF worker (child process or worker thread)');
}
