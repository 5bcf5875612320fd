import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { loadDotEnv } from '../src/config/dotenv.ts';
import { registerCatalogueJobs } from '../src/features/catalogue/catalogue.jobs.ts';
import { ProgressBar, startCliContext } from '../src/features/catalogue/ingest/cli-runtime.ts';
import { folderSource } from '../src/features/catalogue/ingest/import-sources.ts';
import { fileProblemText, ingestErrorText, publishRefusalText } from '../src/features/catalogue/ingest/import-text.ts';
import { ImportService } from '../src/features/catalogue/ingest/import.service.ts';
import { decodeManifest, ManifestError } from '../src/features/catalogue/ingest/manifest.ts';
import { translator } from '../src/http/i18n/index.ts';
import { createLogger } from '../src/infra/logger.ts';

/**
 * `npm run import -- <folder> [--manifest books.csv] [--publish] [--library SLUG]`
 * Imports a folder of PDFs through the same intake as the upload form, processes the ingest
 * jobs itself (a running server shares them: claims use SKIP LOCKED), and prints a summary.
 * Exit code 0 only when every file was imported or skipped as already present.
 */
async function main(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  const t = translator(config.defaultLang);
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { manifest: { type: 'string' }, publish: { type: 'boolean' }, library: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || positionals.length !== 1) {
    console.log(t('catalogue.cli.usage'));
    return values.help ? 0 : 64;
  }
  const folder = path.resolve(positionals[0]);
  if (
    !(await fs.stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    console.error(t('catalogue.cli.folderMissing', { folder }));
    return 66;
  }
  let manifestText: string | null = null;
  if (values.manifest) {
    const bytes = await fs.readFile(path.resolve(values.manifest)).catch(() => null);
    if (bytes === null) {
      console.error(t('catalogue.cli.manifestMissing', { file: values.manifest }));
      return 66;
    }
    try {
      manifestText = decodeManifest(bytes, values.manifest); // not UTF-8, too large: refused with the file's name
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      for (const p of err.problems) console.error(t(p.key, p.params));
      return 65;
    }
  }

  const log = createLogger(process.env.IMPORT_LOG_LEVEL ?? (config.logLevel === 'info' ? 'warn' : config.logLevel));
  const { ctx, infra, searchOnline } = await startCliContext(config, log, { requireSearch: false });
  if (!searchOnline) console.error(t('catalogue.cli.searchOffline'));
  registerCatalogueJobs(ctx, { search: searchOnline });
  ctx.jobs.start();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const library = values.library ? await ctx.services.libraries.bySlug(values.library) : await ctx.services.libraries.defaultLibrary();
    if (!library) {
      console.error(t('libraries.cli.unknown', { slug: values.library ?? '' }));
      return 64;
    }
    return await run(ctx, {
      libraryId: library.id,
      folder,
      manifestText,
      publish: !!values.publish,
      searchOnline,
      signal: abort.signal,
      t,
    });
  } catch (err) {
    if (err instanceof ManifestError) {
      console.error(t('catalogue.manifest.problems'));
      for (const p of err.problems) console.error(`  - ${t(p.key, p.params)}`);
      return 65;
    }
    throw err;
  } finally {
    await ctx.jobs.stop(config.shutdownTimeoutMs);
    await ctx.close();
    await infra.stop();
  }
}

async function run(
  ctx: Awaited<ReturnType<typeof startCliContext>>['ctx'],
  o: {
    libraryId: number;
    folder: string;
    manifestText: string | null;
    publish: boolean;
    searchOnline: boolean;
    signal: AbortSignal;
    t: ReturnType<typeof translator>;
  },
): Promise<number> {
  const { t } = o;
  const importer = new ImportService(ctx);
  const manifest = await importer.prepareManifest(o.libraryId, o.manifestText);
  const source = folderSource(o.folder);
  const total = await source.count();
  console.log(t('catalogue.cli.found', { n: total, folder: o.folder }));
  const bar = new ProgressBar();
  let done = 0;
  // Throughput and memory of the whole import (worker threads share this process's RSS).
  const started = performance.now();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  sampler.unref();
  const outcomes = await importer.importSource(source, {
    manifest,
    libraryId: o.libraryId,
    actor: null,
    signal: o.signal,
    onItem: (x) => {
      // Manifest rows without a file come after the folder's files: they are not progress.
      if (!(x.problem && 'key' in x.problem && x.problem.key === 'catalogue.import.notInFolder'))
        bar.update(t('catalogue.cli.importing'), ++done, total, x.name);
    },
  });
  if (o.signal.aborted) {
    console.error(`\n${t('catalogue.cli.interrupted')}`);
    return 130;
  }

  // Ingest runs in this process's job runner (or the server's): wait for this import's books.
  const ids = outcomes.filter((x) => x.bookId && (x.kind === 'created' || x.kind === 'duplicate')).map((x) => x.bookId!);
  const states = await importer.waitForIngest(ids, {
    onProgress: (d, n) => bar.update(t('catalogue.cli.ingesting'), d, n),
    signal: o.signal,
  });
  if (o.signal.aborted) {
    console.error(`\n${t('catalogue.cli.interrupted')}`);
    return 130;
  }
  clearInterval(sampler);
  const createdIds = outcomes.filter((x) => x.kind === 'created' && x.bookId).map((x) => x.bookId!);
  const pages = (await ctx.repos.books.ingestStates(createdIds)).reduce(
    (n, s) => n + (s.ingest_status === 'indexed' ? s.ingest_progress : 0),
    0,
  );
  const seconds = (performance.now() - started) / 1000;
  if (pages > 0)
    console.log(
      t('catalogue.cli.throughput', {
        pages,
        seconds: seconds.toFixed(1),
        rate: (pages / seconds).toFixed(1),
        rss: Math.round(peakRss / 1048576),
      }),
    );
  const failures: Array<{ name: string; reason: string }> = outcomes
    .filter((x) => x.kind === 'rejected' || x.kind === 'failed')
    .map((x) => ({ name: x.name, reason: x.problem ? fileProblemText(x.problem, t) : '' }));
  for (const x of outcomes) {
    const s = x.bookId ? states.get(x.bookId) : undefined;
    if (x.kind === 'created' && s?.status === 'failed')
      failures.push({
        name: x.name,
        reason: t('catalogue.cli.ingestFailed', { reason: ingestErrorText(s.error, ctx.config.defaultLang) }),
      });
  }

  let publishedCount = 0;
  const blocked: Array<{ name: string; reason: string }> = [];
  if (o.publish) {
    // New books, and books an interrupted earlier run imported but had not published yet.
    const candidates: Array<{ id: number; name: string }> = [];
    for (const x of outcomes) {
      if (!x.bookId || states.get(x.bookId)?.status !== 'indexed') continue;
      const book = await ctx.repos.books.findById(x.bookId);
      if (book && book.status === 'draft' && book.published_at === null) candidates.push({ id: x.bookId, name: x.name });
    }
    const r = await importer.publishAll(
      candidates.map((c) => c.id),
      null,
    );
    publishedCount = r.published.length;
    for (const b of r.blocked)
      blocked.push({
        name: candidates.find((c) => c.id === b.bookId)!.name,
        reason: publishRefusalText(b.problem, ctx.services.publishGate, ctx.config.defaultLang),
      });
    if (o.searchOnline) await importer.waitForIndex(r.published, { signal: o.signal, timeoutMs: 120_000 });
  }

  const created = outcomes.filter((x) => x.kind === 'created').length;
  const duplicates = outcomes.filter((x) => x.kind === 'duplicate').length;
  console.log(t('catalogue.cli.summary', { created, duplicates, failed: failures.length }));
  if (o.publish) console.log(t('catalogue.cli.published', { n: publishedCount }));
  if (blocked.length) {
    console.log(t('catalogue.cli.notPublished'));
    for (const b of blocked) console.log(`  - ${b.name}: ${b.reason}`);
  }
  if (failures.length) {
    console.log(t('catalogue.cli.failures'));
    for (const f of failures) console.log(`  - ${f.name}: ${f.reason}`);
  }
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
