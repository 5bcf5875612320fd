import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOrCreateSecret } from '../../../src/infra/secrets.ts';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('generated secrets', () => {
  it('app instances starting at once on a fresh storage folder all get the same secret (no torn or second file)', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-secrets-'));
    const storage = path.join(tmp, 'storage'); // does not exist yet
    const values = await Promise.all(Array.from({ length: 20 }, () => readOrCreateSecret(storage, 'session-secret', 48)));
    expect(new Set(values).size).toBe(1);
    expect(values[0].length).toBeGreaterThanOrEqual(64);
    expect((await fs.readFile(path.join(storage, 'secrets', 'session-secret'), 'utf8')).trim()).toBe(values[0]);
    expect(await fs.readdir(path.join(storage, 'secrets'))).toEqual(['session-secret']); // no temporary file left
    const stat = await fs.stat(path.join(storage, 'secrets', 'session-secret'));
    expect(stat.mode & 0o777).toBe(0o600);
    // Later starts read it.
    expect(await readOrCreateSecret(storage, 'session-secret', 48)).toBe(values[0]);
  });

  it('replaces an empty file instead of using it', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-secrets-'));
    await fs.mkdir(path.join(tmp, 'secrets'), { recursive: true });
    await fs.writeFile(path.join(tmp, 'secrets', 'k'), '\n');
    const value = await readOrCreateSecret(tmp, 'k');
    expect(value.length).toBeGreaterThan(20);
    expect((await fs.readFile(path.join(tmp, 'secrets', 'k'), 'utf8')).trim()).toBe(value);
  });
});
