import path from 'node:path';
import type { Config } from '../config/config.ts';
import { startEmbeddedMeilisearch } from './embedded-meilisearch.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import type { Logger } from './logger.ts';
import { connectSearch, type SearchClient } from './search-client.ts';
import { readOrCreateSecret } from './secrets.ts';

export interface Infrastructure {
  databaseUrl: string;
  search: SearchClient;
  sessionSecret: string;
  /** Stops the child servers we started (not external ones). */
  stop(): Promise<void>;
}

/**
 * Starts what the configuration does not point to elsewhere: embedded PostgreSQL unless
 * DATABASE_URL is set, bundled Meilisearch unless MEILI_URL is set. Shared by the server and CLIs.
 */
export async function startInfrastructure(
  config: Config,
  log: Logger,
  opts: { search?: boolean; role?: 'server' | 'cli' } = {},
): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.error({ err }, 'stopping a child server failed'));
  };
  try {
    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({
        baseDir: path.join(config.storageDir, 'postgres'),
        port: config.database.embeddedPort,
        password: await readOrCreateSecret(config.storageDir, 'postgres-password'),
        database: 'thu_vien_so',
        log: log.child({ component: 'postgres' }),
        refuseShared: opts.role === 'server',
      });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }

    let searchUrl = config.search.url;
    let masterKey = config.search.masterKey;
    if (!searchUrl && opts.search !== false) {
      const meili = await startEmbeddedMeilisearch({
        baseDir: path.join(config.storageDir, 'meilisearch'),
        storageDir: config.storageDir,
        port: config.search.embeddedPort,
        masterKey: await readOrCreateSecret(config.storageDir, 'meili-master-key'),
        log: log.child({ component: 'meilisearch' }),
      });
      stops.push(meili.stop);
      searchUrl = meili.url;
      masterKey = meili.masterKey;
    }
    const search = await connectSearch({
      url: searchUrl ?? 'http://127.0.0.1:1',
      masterKey,
      apiKey: config.search.apiKey,
      prefix: config.search.indexPrefix,
      log,
    });
    const sessionSecret = config.session.secret ?? (await readOrCreateSecret(config.storageDir, 'session-secret', 48));
    return { databaseUrl, search, sessionSecret, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
