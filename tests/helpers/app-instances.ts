import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port.ts';

/**
 * Real app instances (`node --import tsx src/main.ts`, the `npm start` entry point) as child
 * processes, for tests and benchmarks of several instances sharing one set of services. Every
 * instance started here is killed when the starting process exits, even after a failed test.
 */
const root = path.resolve(import.meta.dirname, '../..');

export interface AppInstance {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

const living = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL is all that can still be sent from there.
  process.once('exit', () => {
    for (const child of living) child.kill('SIGKILL');
  });
}

/** Starts one instance with `env` on top of the current environment, on a free loopback port. */
export async function startInstance(env: NodeJS.ProcessEnv, name: string): Promise<AppInstance> {
  installExitHook();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  living.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 8_000_000) out = out.slice(-4_000_000); // a chatty instance must not grow without bound
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      living.delete(child);
      resolve(code);
    }),
  );
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => `[${name}]\n${out}`, exited };
}

/** Waits until the instance answers /readyz with 200 (database, search and storage reachable). */
export async function waitReady(instance: AppInstance, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  let last = 'no answer';
  void instance.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`instance exited (code ${exitCode}) before it was ready:\n${instance.output()}`);
    const status = await fetch(`${instance.url}/readyz`).then(
      async (r) => ((last = `${r.status} ${await r.text()}`), r.status),
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`instance not ready in ${timeoutMs} ms (last /readyz: ${last}):\n${instance.output()}`);
}

/** SIGTERM (a graceful stop: buffered statistics are written), then SIGKILL after `graceMs`. */
export async function stopInstance(instance: AppInstance, graceMs = 30_000): Promise<number | null> {
  const { child } = instance;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await instance.exited;
    } finally {
      clearTimeout(timer);
    }
  }
  return instance.exited;
}
