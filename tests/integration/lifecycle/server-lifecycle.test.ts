import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../../src/infra/processes.ts';
import { freePort } from '../../helpers/free-port.ts';

/**
 * Runs the real `npm start` entry point (src/main.ts) with its own embedded PostgreSQL and
 * Meilisearch, and checks start-up, graceful shutdown and recovery after kill -9.
 */
const root = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let storage: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-lifecycle-'));
  await fs.chmod(tmp, 0o755);
  // A STORAGE_DIR that does not exist yet: the server creates it (and the embedded
  // PostgreSQL, running as another user when we are root, must still reach it).
  storage = path.join(tmp, 'thu-vien', 'storage');
  env = {
    ...process.env,
    NODE_ENV: 'production',
    STORAGE_DIR: storage,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    EMBEDDED_MEILI_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    MEILI_URL: '',
  };
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const started: Array<{ child: ChildProcess; exited: Promise<number | null> }> = [];
// A test that failed half-way must not leave its server holding the ports the next test uses.
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
    s.child.kill('SIGTERM');
    await Promise.race([s.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }
});

function startServer(extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  started.push({ child, exited });
  return { child, output: () => out, exited };
}

async function waitReady(output: () => string, timeoutMs = 90_000, exited?: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited?.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`server exited (code ${exitCode}) before it was ready:\n${output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready in time:\n${output()}`);
}

async function childPids(): Promise<{ postgres: number; meilisearch: number }> {
  const pgPid = Number((await fs.readFile(path.join(storage, 'postgres/data/postmaster.pid'), 'utf8')).split('\n')[0]);
  const meiliPid = Number((await fs.readFile(path.join(storage, 'meilisearch/meilisearch.pid'), 'utf8')).trim());
  return { postgres: pgPid, meilisearch: meiliPid };
}

async function gone(pid: number, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

// Each test starts real servers (the app under tsx, PostgreSQL, Meilisearch): allow a loaded CI machine time,
// so that waitReady's own message (with the server's output) is what a failure shows.
describe('server lifecycle', { timeout: 180_000 }, () => {
  it('refuses to start with an invalid setting and names the variable', async () => {
    const s = startServer({ PORT: 'abc' });
    expect(await s.exited).toBe(78);
    expect(s.output()).toContain('PORT');
  });

  it('starts with no external services, then stops on SIGTERM: finishes the request in flight, refuses new ones, leaves no child process behind', async () => {
    const s = startServer();
    await waitReady(s.output, 90_000, s.exited);
    const secrets = await fs.stat(path.join(storage, 'secrets/meili-master-key'));
    expect(secrets.mode & 0o777).toBe(0o600);
    const pids = await childPids();
    expect(isAlive(pids.postgres) && isAlive(pids.meilisearch)).toBe(true);

    // A request in flight when SIGTERM arrives (a form whose body is still arriving) is finished.
    const body = Buffer.from('email=ai%40example.vn&password=mat-khau-sai-123');
    const inFlight = http.request({
      host: '127.0.0.1',
      port: Number(env.PORT),
      method: 'POST',
      path: '/dang-nhap',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      inFlight.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      inFlight.on('error', reject);
    });
    inFlight.write(body.subarray(0, 10));
    // Connected, then a moment for the server to read the headers and wait for the rest (longer on a loaded machine).
    const sock = inFlight.socket ?? (await new Promise<Socket>((r) => inFlight.once('socket', r)));
    if (sock.connecting) await new Promise((r) => sock.once('connect', r));
    await new Promise((r) => setTimeout(r, 1000));
    s.child.kill('SIGTERM');
    const deadline = Date.now() + 60_000;
    while (!s.output().includes('shutting down') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.output()).toContain('shutting down');
    await expect(fetch(`http://127.0.0.1:${env.PORT}/healthz`)).rejects.toThrow(); // no new connections
    inFlight.end(body.subarray(10));
    expect(await answered).toBe(403); // answered (no CSRF token), not cut off
    expect(await s.exited).toBe(0);
    expect(await gone(pids.postgres)).toBe(true);
    expect(await gone(pids.meilisearch)).toBe(true);
    expect(s.output()).toContain('"msg":"stopped"');
  });

  it('refuses to start beside a command that started the embedded database itself, and starts once it is done', async () => {
    // e.g. `npm run import` run while the server was stopped: its PostgreSQL stops when it exits.
    const cli = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/hold-infrastructure.ts'], {
      cwd: root,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let cliOut = '';
    cli.stdout!.on('data', (d) => (cliOut += d));
    cli.stderr!.on('data', (d) => (cliOut += d));
    const cliExited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!cliOut.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(cliOut).toContain('ready');
    } catch (err) {
      cli.kill('SIGINT');
      throw err;
    }
    const postgres = Number((await fs.readFile(path.join(storage, 'postgres/data/postmaster.pid'), 'utf8')).split('\n')[0]);

    const refused = startServer();
    const refusedCode = await refused.exited;
    cli.stdin!.end(); // whatever happened, let the command finish
    expect(refusedCode).toBe(1);
    expect(refused.output()).toContain('is in use by another process that is still running');
    expect(await cliExited).toBe(0); // it finished its work on a database nobody took away
    expect(await gone(postgres)).toBe(true);
    const later = startServer();
    await waitReady(later.output, 90_000, later.exited);
    later.child.kill('SIGTERM');
    expect(await later.exited).toBe(0);
  });

  it('recovers after kill -9 of the server (orphaned children, stale pid files, leftover half-initialised folders)', async () => {
    const first = startServer();
    await waitReady(first.output, 90_000, first.exited);
    const orphans = await childPids();
    first.child.kill('SIGKILL');
    await first.exited;
    // The children outlive a SIGKILL of their parent: exactly the mess the next start must clean up.
    expect(isAlive(orphans.postgres)).toBe(true);
    await fs.mkdir(path.join(storage, 'postgres', 'data.init-deadbeef'), { recursive: true });

    const second = startServer();
    await waitReady(second.output, 90_000, second.exited);
    expect(await gone(orphans.postgres, 1000)).toBe(true);
    expect(await gone(orphans.meilisearch, 1000)).toBe(true);
    expect(second.output()).toContain('left running by a previous crash');
    await expect(fs.stat(path.join(storage, 'postgres', 'data.init-deadbeef'))).rejects.toThrow();
    const fresh = await childPids();
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(await gone(fresh.postgres)).toBe(true);
    expect(await gone(fresh.meilisearch)).toBe(true);
  });
});
