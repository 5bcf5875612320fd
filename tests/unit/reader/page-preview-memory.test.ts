import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PagePreviews } from '../../../src/features/reader/page-preview.ts';
import { Storage } from '../../../src/infra/storage.ts';
import { PdfRejectedError } from '../../../src/pdf/errors.ts';
import type { PdfEngine } from '../../../src/pdf/pdf-engine.ts';

/**
 * A book whose page 1 is blank, or whose render fails, must not be rendered again on every visit
 * (a bomb once cost 5.5 GB per anonymous visit). Real storage; the engine is a counting fake.
 */
let root: string;
let storage: Storage;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-preview-'));
  storage = new Storage(root);
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

const silent = { warn: () => undefined } as never;

function previewsWith(render: () => Promise<Uint8Array | null>) {
  let calls = 0;
  const engine = { renderFirstPage: () => (calls++, render()) } as unknown as PdfEngine;
  const previews = new PagePreviews({ storage, pdf: () => engine, log: silent });
  return { previews, calls: () => calls };
}

describe('page-1 previews that cannot be made', () => {
  it('a blank page 1 is remembered on disk: later visits (and a restarted server) do not render again', async () => {
    const { previews, calls } = previewsWith(async () => null);
    expect(await previews.ensure(7, 'x.pdf')).toBe(false);
    expect(await previews.ensure(7, 'x.pdf')).toBe(false);
    expect(calls()).toBe(1);
    const restarted = previewsWith(async () => null);
    expect(await restarted.previews.ensure(7, 'x.pdf')).toBe(false);
    expect(restarted.calls()).toBe(0);
    expect(await storage.exists('covers', '7/page-1.none')).toBe(true);
  });

  it('a refused (too heavy) file is remembered on disk too', async () => {
    const { previews, calls } = previewsWith(async () => {
      throw new PdfRejectedError('too_heavy', 'PDF worker used 1300 MB');
    });
    expect(await previews.ensure(8, 'x.pdf')).toBe(false);
    expect(await previews.ensure(8, 'x.pdf')).toBe(false);
    expect(calls()).toBe(1);
    expect(await fs.readFile(storage.path('covers', '8/page-1.none'), 'utf8')).toBe('too_heavy\n');
  });

  it('a failure that may pass (a crash) is not written down, but not retried at once either', async () => {
    const { previews, calls } = previewsWith(async () => {
      throw new Error('PDF worker exited with SIGSEGV');
    });
    expect(await previews.ensure(9, 'x.pdf')).toBe(false);
    expect(await previews.ensure(9, 'x.pdf')).toBe(false);
    expect(calls()).toBe(1);
    expect(await storage.exists('covers', '9/page-1.none')).toBe(false);
  });

  it('a rendered preview is written once and then found', async () => {
    const { previews, calls } = previewsWith(async () => new Uint8Array([82, 73, 70, 70]));
    expect(await previews.ensure(10, 'x.pdf')).toBe(true);
    expect(await previews.ensure(10, 'x.pdf')).toBe(true);
    expect(calls()).toBe(1);
  });
});
