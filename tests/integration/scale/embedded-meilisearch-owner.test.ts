import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMeilisearch, type EmbeddedMeilisearch } from '../../../src/infra/embedded-meilisearch.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { isAlive } from '../../../src/infra/processes.ts';
import { freePort } from '../../helpers/free-port.ts';

/**
 * The embedded Meilisearch is for one app instance. A second server on the same storage folder
 * (DATABASE_URL set, MEILI_URL forgotten) used to take the first one's Meilisearch for a crash's
 * orphan and stop it. Now the starter's pid is kept beside it: while that process lives, a second
 * starter refuses and names MEILI_URL; once it is gone (a crash), the orphan is stopped as before.
 */
const log = createLogger('silent');
let tmp: string;
let first: EmbeddedMeilisearch | undefined;
let firstPid = 0;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-meili-owner-'));
});
afterAll(async () => {
  await first?.stop().catch(() => undefined);
  if (firstPid && isAlive(firstPid)) process.kill(firstPid, 'SIGKILL');
  await fs.rm(tmp, { recursive: true, force: true });
});

const start = async () =>
  startEmbeddedMeilisearch({
    baseDir: path.join(tmp, 'meilisearch'),
    storageDir: tmp,
    port: await freePort(),
    masterKey: crypto.randomBytes(24).toString('hex'),
    log,
  });

describe('the embedded Meilisearch belongs to one server', { timeout: 120_000 }, () => {
  it('a second starter refuses while the first server lives, and stops the orphan once it is gone', async () => {
    first = await start();
    firstPid = first.pid;
    // Another live process as its owner: what a second app instance sees of the first one.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    try {
      await fs.writeFile(path.join(tmp, 'meilisearch', 'meilisearch.owner'), String(other.pid));
      await expect(start()).rejects.toThrow(/in use by another process .*MEILI_URL/s);
      expect(isAlive(first.pid)).toBe(true); // left running for its server
      expect((await fetch(`${first.url}/health`)).ok).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise<void>((resolve) =>
      other.exitCode !== null || other.signalCode !== null ? resolve() : other.once('exit', () => resolve()),
    );

    // Its owner gone (a crashed server): the next start stops the orphan and runs its own.
    const second = await start();
    try {
      expect(isAlive(firstPid)).toBe(false);
      expect((await fetch(`${second.url}/health`)).ok).toBe(true);
    } finally {
      await second.stop();
    }
    first = undefined;
  });
});
