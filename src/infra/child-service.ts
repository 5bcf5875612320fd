import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Logger } from './logger.ts';

/**
 * A long-running child (PostgreSQL, Meilisearch) that we start and stop ourselves.
 * It runs in its own process group so a terminal Ctrl-C reaches only us: we then stop
 * it last, after in-flight requests have finished with it.
 */
export interface ChildService {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  recentOutput(): string;
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
  /** Lets the child outlive us (another process still needs it): no kill at exit, no open pipes. */
  release(): void;
}

const running = new Set<ChildProcess>();

// If the process exits without our orderly shutdown (uncaught error, process.exit),
// still ask children to go away: 'exit' handlers must be synchronous, and kill() is.
process.once('exit', () => {
  for (const child of running) child.kill('SIGINT');
});

export function startChild(name: string, command: string, args: string[], options: SpawnOptions, log: Logger): ChildService {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name} could not be started (${command})`);
  running.add(child);
  let tail = '';
  const remember = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-8000);
    for (const line of text.split('\n')) if (line.trim()) log.debug({ child: name }, line.trim());
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  let exitedFlag = false;
  void exited.then(() => (exitedFlag = true));
  return {
    pid: child.pid,
    exited,
    recentOutput: () => tail,
    async stop(signal, graceMs) {
      if (exitedFlag) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    release() {
      running.delete(child);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
    },
  };
}

/** Waits until `ready()` resolves true, failing early if the child exits. */
export async function waitUntilReady(name: string, service: ChildService, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`${name} stopped during start-up (exit code ${exitCode}). Its last output:\n${service.recentOutput()}`);
    }
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await service.stop('SIGKILL', 1000);
  throw new Error(`${name} did not become ready within ${timeoutMs} ms. Its last output:\n${service.recentOutput()}`);
}
