import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The first folder on the way to `dir` (its ancestors, not `dir` itself) that the given user
 * cannot enter, or undefined when every one can be. As root, the embedded PostgreSQL runs as the
 * `postgres` user; a STORAGE_DIR under a private folder (e.g. /root, mode 0700) fails deep inside
 * initdb with "could not change directory… Permission denied". Checking first gives the
 * administrator one clear sentence instead. Supplementary groups are not consulted: a folder
 * reachable only through one is reported, which errs on the side of a clear message.
 */
export async function unreachableAncestor(dir: string, user: { uid: number; gid: number }): Promise<string | undefined> {
  const ancestors: string[] = [];
  for (let p = path.dirname(path.resolve(dir)); ; p = path.dirname(p)) {
    ancestors.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const folder of ancestors) {
    const st = await fs.stat(folder);
    const searchable =
      (st.uid === user.uid && (st.mode & 0o100) !== 0) || (st.gid === user.gid && (st.mode & 0o010) !== 0) || (st.mode & 0o001) !== 0;
    if (!searchable) return folder;
  }
  return undefined;
}
