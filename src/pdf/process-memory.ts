import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Resident memory of another process, in bytes (null when it is gone). RSS counts everything a
 * PDF worker holds — V8 heap, ArrayBuffers with decoded streams and images, native canvases —
 * which is why the pool watches it rather than relying on V8's heap cap alone.
 * Linux: /proc/<pid>/status (cheap, no process spawned); elsewhere `ps`.
 */
export async function residentBytes(pid: number): Promise<number | null> {
  if (process.platform === 'linux') {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
    const kb = status ? /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] : undefined;
    return kb ? Number(kb) * 1024 : null;
  }
  try {
    const { stdout } = await run('ps', ['-o', 'rss=', '-p', String(pid)]);
    const kb = Number(stdout.trim());
    return Number.isFinite(kb) && kb > 0 ? kb * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples a child's resident memory every `pollMs` and calls `onExceeded` (once) when it is over
 * `limitBytes`. Returns the function that stops watching.
 */
export function watchResidentMemory(
  child: ChildProcess,
  limitBytes: number,
  pollMs: number,
  onExceeded: (rss: number) => void,
): () => void {
  let sampling = false;
  let fired = false;
  const timer = setInterval(() => {
    const pid = child.pid;
    if (sampling || fired || pid === undefined) return;
    sampling = true;
    void residentBytes(pid)
      .then((rss) => {
        if (rss === null || rss <= limitBytes || fired) return;
        fired = true;
        onExceeded(rss);
      })
      .finally(() => (sampling = false));
  }, pollMs);
  return () => clearInterval(timer);
}
