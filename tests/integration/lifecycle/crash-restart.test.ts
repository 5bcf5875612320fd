import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { connectSearch } from '../../../src/infra/search-client.ts';
import { isAlive, stopProcess } from '../../../src/infra/processes.ts';
import { startInfrastructure, type Infrastructure } from '../../../src/infra/runtime.ts';
import { freePort } from '../../helpers/free-port.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';

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

/** The embedded database's URL for this file's storage folder (password from its secrets). */
async function dbUrl(): Promise<string> {
  const pid = await fs.readFile(path.join(storageDir, 'postgres', 'data', 'postmaster.pid'), 'utf8');
  const port = Number(pid.split('\n')[3]);
  const password = (await fs.readFile(path.join(storageDir, 'secrets', 'postgres-password'), 'utf8')).trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/thu_vien_so`;
}

async function postmasterPid(): Promise<number | null> {
  const text = await fs.readFile(path.join(storageDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** Rows the CLI child has written so far (a short-lived client: the database must end with its last user). */
async function ticks(): Promise<number> {
  const client = new pg.Client({ connectionString: await dbUrl() });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from import_ticks')).rows[0].n;
  } catch {
    return 0; // the child has not created its table yet
  } finally {
    await client.end();
  }
}

/**
 * Waits until the CLI has written `more` rows beyond `from` (instead of sleeping a fixed time: on
 * a loaded machine its 150 ms timer fires late, and a sleep would prove fewer writes than meant).
 */
async function ticksPast(from: number, more: number): Promise<number> {
  let n = from;
  await expect.poll(async () => (n = await ticks()), { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(from + more);
  return n;
}

describe('restart after a crash while an import uses the database', () => {
  it('adopts the running PostgreSQL instead of stopping it, and the import keeps writing throughout', async () => {
    const server = await start('server');
    const postgres = await postmasterPid();
    expect(postgres).not.toBeNull();
    const cli = await start('cli');
    let written = await ticksPast(0, 3);

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
      written = await ticksPast(written, 5); // the import goes on beside the new server

      // The server stops (gracefully) while the import still runs: the database is left to it.
      await infra.stop();
      expect(isAlive(postgres!)).toBe(true);
      await ticksPast(written, 3);
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

  it('a real `npm run import` survives kill -9 of the server and its restart, and imports every file', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-crash-import-'));
    const count = 60;
    for (let i = 0; i < count; i++) {
      const pages = Array.from({ length: 40 }, (_, p) => `Sách số ${i}, trang ${p + 1}: làng quê Việt Nam.`);
      await fs.writeFile(path.join(folder, `sach-${i}.pdf`), tinyPdf({ title: `Sách ${i}`, pages }));
    }
    const importEnv = {
      ...process.env,
      ...env,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliMasterKey'),
      SEARCH_INDEX_PREFIX: `cr${process.pid}_`,
    };
    env = {
      ...env,
      MEILI_URL: importEnv.MEILI_URL,
      MEILI_MASTER_KEY: importEnv.MEILI_MASTER_KEY,
      SEARCH_INDEX_PREFIX: importEnv.SEARCH_INDEX_PREFIX,
    };
    const server = await start('server');
    const postgres = await postmasterPid();
    const importer = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', folder], {
      cwd: path.resolve(here, '../../..'),
      env: importEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(importer);
    let out = '';
    importer.stdout!.on('data', (d) => (out += d.toString()));
    importer.stderr!.on('data', (d) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => importer.once('exit', (code) => r(code)));
    // Wait until the import is under way (its first books are in the database), then crash the server.
    const infraForCount = async () => {
      const c = new pg.Client({ connectionString: await dbUrl() });
      try {
        await c.connect();
        return Number((await c.query('select count(*) as n from books')).rows[0].n);
      } catch {
        return 0;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    // The CLI's own start-up (tsx, pdf.js workers) takes minutes on a loaded 2-core machine.
    try {
      await expect.poll(infraForCount, { timeout: 180_000, interval: 200 }).toBeGreaterThan(0);
    } catch (err) {
      // A failure here must not leave users of this database to the next test.
      importer.kill('SIGKILL');
      server.child.kill('SIGKILL');
      throw err;
    }
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    const infra = await startInfrastructure(loadConfig(env), createLogger('silent'), { role: 'server', search: false });
    try {
      expect(await postmasterPid()).toBe(postgres);
      expect(importer.exitCode, 'the import was still running when the server restarted').toBeNull();
      expect(await exited, out).toBe(0);
      expect(out).not.toMatch(/57P03|the database system is shutting down|ECONNREFUSED/);
      expect(await infraForCount()).toBe(count);
    } finally {
      if (importer.exitCode === null && importer.signalCode === null) importer.kill('SIGKILL');
      await infra.stop();
      await fs.rm(folder, { recursive: true, force: true });
      const search = await connectSearch({
        url: importEnv.MEILI_URL,
        masterKey: importEnv.MEILI_MASTER_KEY || undefined,
        prefix: importEnv.SEARCH_INDEX_PREFIX,
        log: createLogger('silent'),
      });
      const indexes = await search.client.getIndexes({ limit: 1000 });
      for (const index of indexes.results)
        if (index.uid.startsWith(importEnv.SEARCH_INDEX_PREFIX)) await search.client.deleteIndex(index.uid);
    }
  }, 600_000);

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
