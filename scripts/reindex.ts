import { loadConfig } from '../src/config/config.ts';
import { loadDotEnv } from '../src/config/dotenv.ts';
import { ProgressBar, startCliContext } from '../src/features/catalogue/ingest/cli-runtime.ts';
import { translator } from '../src/http/i18n/index.ts';
import { createLogger } from '../src/infra/logger.ts';

/**
 * `npm run reindex`: rebuilds the public `books` and `pages` indexes from PostgreSQL into fresh
 * indexes and swaps them in, so search keeps answering (from the old data) while it runs.
 * Works beside a running server (it reuses the server's Meilisearch) or alone.
 */
async function main(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  const t = translator(config.defaultLang);
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { ctx, infra } = await startCliContext(config, log, { requireSearch: true });
  try {
    console.log(t('catalogue.reindex.start'));
    const total = (await ctx.repos.books.countByStatus()).find((r) => r.status === 'published')?.n ?? 0;
    const bar = new ProgressBar();
    const started = performance.now();
    const r = await ctx.services.searchIndexer.rebuild((done) => bar.update(t('catalogue.reindex.label'), done, Number(total)));
    console.log(
      t('catalogue.reindex.done', { books: r.books, pages: r.pages, seconds: ((performance.now() - started) / 1000).toFixed(1) }),
    );
    return 0;
  } finally {
    await ctx.close();
    await infra.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
