import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
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

/**
 * /healthz: the process answers. /readyz: it can do its work (database, search, storage).
 * Anyone (a monitor, a load balancer) gets the status words; the error texts name internal
 * addresses, ports and paths, so only signed-in staff see them (`isStaff` never throws: with the
 * database down it answers false).
 */
export function healthRoutes(ctx: AppContext, isStaff: (req: Request, res: Response) => Promise<boolean>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const [database, search, storage] = await Promise.all([
      check(() => sql`select 1`.execute(ctx.db)),
      check(async () => {
        if (!(await ctx.search.isHealthy())) throw new Error('Meilisearch is not healthy');
      }),
      check(async () => {
        // Writable storage: create and remove a probe file. Its name is unique: app instances on
        // several hosts share the volume, and their process ids may be the same.
        const probe = path.join(ctx.config.storageDir, `.ready-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
        await fs.writeFile(probe, 'ok');
        await fs.rm(probe);
      }),
    ]);
    const all = { database, search, storage };
    const ok = Object.values(all).every((c) => c.status === 'ok');
    const details = await isStaff(req, res);
    const checks = details ? all : Object.fromEntries(Object.entries(all).map(([name, c]) => [name, { status: c.status }]));
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ok ? 'ok' : 'failing', checks });
  });
  return router;
}
