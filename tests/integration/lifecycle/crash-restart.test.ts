import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { isAlive, stopProcess } from '../../../src/infra/processes.ts';
import { startInfrastructure, type Infrastructure } from '../../../src/infra/runtime.ts';
import { freePort } from '../../helpers/free-port.ts';

/**
 * kill -9 of the server while a CLI (same start-up path as `npm run import`) shares its embedded
 * PostgreSQL, then `npm start` again: the new server must adopt the running database, not stop it
 * under the CLI ("PostgreSQL left running by a previous crash" used to end the import with 57P03).
 * Everything here runs on this file's own storage folder and port, never the shared test database.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
let storageDir: string;
let env: Record<string, string>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-crash-restart-'));
  await fs.chmod(storageDir, 0o755); // as root, PostgreSQL runs as "postgres" and must reach storage/postgres
  env = { NODE_ENV: 'test', STORAGE_DIR: storageDir, EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'silent' };
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  const pid = await postmasterPid();
  if (pid) await stopProcess(pid, 'SIGINT', 20_000);
  await fs.rm(storageDir, { recursive: true, force: true });
});

function start(role: 'server' | 'cli'): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'pg-user-child.ts'), role], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('ready')) {
        clearInterval(timer);
        resolve({ child, output: () => out });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`${role} exited early (${code}): ${err.slice(-2000)}`));
    });
  });
}

async function postmasterPid(): Promise<number | null> {
  const text = await fs.readFile(path.join(storageDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

describe('restart after a crash while an import uses the database', () => {
  it('adopts the running PostgreSQL instead of stopping it, and the import keeps writing throughout', async () => {
    const server = await start('server');
    const postgres = await postmasterPid();
    expect(postgres).not.toBeNull();
    const cli = await start('cli');
    await new Promise((r) => setTimeout(r, 500));

    server.child.kill('SIGKILL'); // the crash
    await new Promise((r) => server.child.once('exit', r));
    expect(isAlive(postgres!)).toBe(true);

    // `npm start` again, in this process: same start-up path as main.ts.
    const log = createLogger('silent');
    const infra: Infrastructure = await startInfrastructure(loadConfig(env), log, { role: 'server', search: false });
    try {
      expect(await postmasterPid()).toBe(postgres); // the same cluster, adopted, not restarted
      const client = new pg.Client({ connectionString: infra.databaseUrl });
      await client.connect();
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
      await client.end();
      await new Promise((r) => setTimeout(r, 1000)); // the import goes on beside the new server

      // The server stops (gracefully) while the import still runs: the database is left to it.
      await infra.stop();
      expect(isAlive(postgres!)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await infra.stop().catch(() => undefined);
    }

    cli.child.kill('SIGTERM');
    await new Promise((r) => cli.child.once('exit', r));
    const m = /ok (\d+) failed (\d+)(.*)/.exec(cli.output());
    expect(m, cli.output()).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(10);
    expect(`${m![2]}${m![3]}`.trim()).toBe('0'); // not one write lost to the restart
    // The import was the last user: it stopped the database on its way out.
    expect(isAlive(postgres!)).toBe(false);
  }, 120_000);

  it('still stops an orphan nobody uses, and starts afresh', async () => {
    const server = await start('server');
    const before = await postmasterPid();
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    expect(before && isAlive(before)).toBe(true);
    const infra = await startInfrastructure(loadConfig(env), createLogger('silent'), { role: 'server', search: false });
    try {
      const after = await postmasterPid();
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
      expect(isAlive(before!)).toBe(false);
    } finally {
      await infra.stop();
    }
    expect(await postmasterPid()).toBeNull();
  }, 120_000);
});
