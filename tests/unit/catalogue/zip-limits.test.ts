import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipLimitError, zipSource, type ZipLimits } from '../../../src/features/catalogue/ingest/import-sources.ts';
import { zipDeflated, type ZipSpec } from '../../helpers/zip-bombs.ts';

/** The ZIP limits, each alone, on generated ZIPs (the HTTP side is in tests/integration/catalogue/zip-import.test.ts). */
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-zip-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const LIMITS: ZipLimits = { maxEntries: 10, maxEntryBytes: 10 * MiB, maxTotalBytes: 2 * MiB, maxRatio: 100 };

async function refusal(specs: ZipSpec[], limits = LIMITS): Promise<unknown> {
  const file = path.join(dir, `${crypto.randomUUID()}.zip`);
  await fs.writeFile(file, await zipDeflated(specs));
  const source = await zipSource(file, limits).catch((e: unknown) => e);
  if (source instanceof Error) return source;
  await (source as { close(): Promise<void> }).close();
  return null;
}

const random = (n: number) => crypto.randomBytes(n);

describe('ZIP limits, from the central directory', () => {
  it('total uncompressed bytes', async () => {
    const err = await refusal([1, 2, 3].map((i) => ({ name: `${i}.pdf`, data: random(800 * 1024) })));
    expect(err).toBeInstanceOf(ZipLimitError);
    expect(err).toMatchObject({ code: 'zip_too_big', params: { max: 2 } });
  });

  it('entry count', async () => {
    const err = await refusal(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, data: Buffer.from('x') })));
    expect(err).toMatchObject({ code: 'zip_too_many', params: { max: 10 } });
  });

  it('compression ratio, for entries over 1 MB only', async () => {
    expect(await refusal([{ name: 'zeros.pdf', size: 1.5 * MiB }])).toMatchObject({ code: 'zip_ratio', params: { name: 'zeros.pdf' } });
    expect(await refusal([{ name: 'small-zeros.pdf', size: 512 * 1024 }])).toBeNull();
  });

  it('accepts a ZIP within every limit', async () => {
    expect(await refusal([{ name: 'a.pdf', data: random(MiB) }])).toBeNull();
  });
});
