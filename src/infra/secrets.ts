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
  await writeFileAtomic(file, `${value}\n`, { mode: 0o600 });
  return value;
}
