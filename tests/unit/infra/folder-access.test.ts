import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unreachableAncestor } from '../../../src/infra/folder-access.ts';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'folder-access-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('unreachableAncestor (embedded PostgreSQL runs as another user)', () => {
  const stranger = { uid: 424242, gid: 424242 };

  it('names the private folder on the way to the data directory', async () => {
    const privateDir = path.join(root, 'private');
    await fs.mkdir(path.join(privateDir, 'storage'), { recursive: true });
    await fs.chmod(root, 0o755);
    await fs.chmod(privateDir, 0o700);
    expect(await unreachableAncestor(path.join(privateDir, 'storage', 'postgres'), stranger)).toBe(privateDir);
  });

  it('finds nothing when every folder on the way may be entered', async () => {
    const open = path.join(root, 'open');
    await fs.mkdir(path.join(open, 'storage'), { recursive: true });
    await fs.chmod(open, 0o711);
    // The temp dir's own ancestors (/, /tmp) are enterable by anyone on a normal system.
    expect(await unreachableAncestor(path.join(open, 'storage', 'postgres'), stranger)).toBeUndefined();
  });

  it('lets the owner in through the owner bits alone', async () => {
    const mine = path.join(root, 'mine');
    await fs.mkdir(mine, { recursive: true });
    await fs.chmod(mine, 0o700);
    const st = await fs.stat(mine);
    expect(await unreachableAncestor(path.join(mine, 'postgres'), { uid: st.uid, gid: st.gid })).toBeUndefined();
  });
});
