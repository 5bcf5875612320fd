import fs from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';

type Check = { status: 'ok' } | { status: 'failing'; error: string };

async function check(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<Check> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'failing', error: (err as Error).message };
  }
}

/** /healthz: the process answers. /readyz: it can do its work (database, search, storage). */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [database, search, storage] = await Promise.all([
      check(() => sql`select 1`.execute(ctx.db)),
      check(async () => {
        if (!(await ctx.search.isHealthy())) throw new Error('Meilisearch is not healthy');
      }),
      check(async () => {
        // Writable storage: create and remove a probe file.
        const probe = path.join(ctx.config.storageDir, `.ready-${process.pid}`);
        await fs.writeFile(probe, 'ok');
        await fs.rm(probe);
      }),
    ]);
    const checks = { database, search, storage };
    const ok = Object.values(checks).every((c) => c.status === 'ok');
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ok ? 'ok' : 'failing', checks });
  });
  return router;
}
