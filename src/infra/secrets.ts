import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';

/**
 * Secrets generated on first start (database password, Meilisearch master key, session secret)
 * live in storage/secrets/, readable only by the owner (0600 files in a 0700 folder).
 */
export async function readOrCreateSecret(storageDir: string, name: string, bytes = 32): Promise<string> {
  const dir = path.join(storageDir, 'secrets');
  const file = path.join(dir, name);
  try {
    const value = (await fs.readFile(file, 'utf8')).trim();
    if (value.length > 0) return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Create parents with the default mode: a recursive mkdir would give storage/ itself 0700,
  // and the embedded PostgreSQL, running as the postgres user, could no longer reach its folder.
  await fs.mkdir(storageDir, { recursive: true });
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o700);
  const value = crypto.randomBytes(bytes).toString('base64url');
  // Two processes starting at once on a fresh storage volume (several app instances) must end up
  // with ONE secret, or a session signed by one is refused by the other. The complete file is
  // written under a temporary name, then hard-linked into place: link() fails if the name exists,
  // so the first process wins and the others read its value.
  const tmp = path.join(dir, `.${name}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  await writeFileAtomic(tmp, `${value}\n`, { mode: 0o600 });
  try {
    await fs.link(tmp, file);
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = (await fs.readFile(file, 'utf8')).trim();
    if (winner) return winner;
    await writeFileAtomic(file, `${value}\n`, { mode: 0o600 }); // an empty file (written by hand): replace it
    return value;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
