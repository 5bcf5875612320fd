import fsp from 'node:fs/promises';
import type { AppContext } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import type { MessageKey } from '../../../http/i18n/index.ts';
import type { Actor } from '../books/books.service.ts';
import { PublishBlocked, type PublishProblem } from '../books/publish-gate.ts';
import { ManifestError, readManifest, sortProblems, type ManifestRow } from './manifest.ts';
import type { ImportSource } from './import-sources.ts';
import type { IntakeMetadata } from './intake.service.ts';

export type OutcomeKind = 'created' | 'duplicate' | 'rejected' | 'failed';

/**
 * Why a file was not taken in, as data: a message key with its parameters, or an unexpected
 * error's own text. Routes, views and the CLI translate it (import-text.ts); a ZIP import stores it.
 */
export type FileProblem = { key: MessageKey; params?: Record<string, string | number> } | { text: string };

/** Why a book stays a draft after publishAll: a file problem, or the publishing rules' problems. */
export type PublishRefusal = FileProblem | { publishProblems: PublishProblem[] };

export interface ImportOutcome {
  name: string;
  kind: OutcomeKind;
  bookId?: number;
  title?: string;
  /** For rejected/failed files. */
  problem?: FileProblem;
  /** A duplicate held by another library of the city (shared catalogue): its name. */
  elsewhere?: { libraryName: string };
}

/** A manifest row matched to its PDF, with what other features parsed from their columns. */
interface PreparedRow {
  row: ManifestRow;
  meta: IntakeMetadata;
  extensions: Array<{ apply: (bookId: number) => Promise<void> }>;
}

/**
 * Bulk import shared by the CLI (a folder) and the admin form (a ZIP): validates the whole
 * manifest first (so a typo stops the import before anything is stored), then takes each PDF
 * through the same IntakeService as an upload. Re-running skips files already stored (SHA-256).
 */
export class ImportService {
  constructor(private readonly ctx: AppContext) {}

  /**
   * Parses and resolves a manifest; throws one ManifestError listing every problem — columns,
   * cells, categories and the other features' columns — ordered by line, so a librarian fixes
   * the file in one go instead of meeting a new kind of error on each attempt.
   */
  async prepareManifest(libraryId: number, text: string | null): Promise<Map<string, PreparedRow>> {
    const out = new Map<string, PreparedRow>();
    if (!text) return out;
    const extensions = this.ctx.services.manifestExtensions;
    const { rows, problems, columnOf } = readManifest(
      text,
      extensions.flatMap((e) => e.columns),
    );
    const wanted = [...new Set(rows.flatMap((r) => r.categories ?? []))];
    const found = wanted.length ? await this.ctx.repos.categories.findByNamesOrSlugs(libraryId, wanted) : [];
    const byKey = new Map<string, number>();
    for (const c of found) {
      byKey.set(c.name.toLocaleLowerCase('vi'), c.id);
      byKey.set(c.slug, c.id);
    }
    for (const row of rows) {
      const categoryIds: number[] = [];
      for (const name of row.categories ?? []) {
        const id = byKey.get(name.toLocaleLowerCase('vi')) ?? byKey.get(name);
        if (id === undefined) {
          problems.push({
            key: 'catalogue.manifest.unknownCategory',
            params: { line: row.line, column: columnOf('categories'), value: name },
          });
        } else categoryIds.push(id);
      }
      const prepared: PreparedRow = {
        row,
        meta: {
          title: row.title,
          authors: row.authors,
          categoryIds,
          year: row.year,
          language: row.language,
          description: row.description,
          editedFields: row.editedFields,
        },
        extensions: [],
      };
      for (const ext of extensions) {
        const cells = Object.fromEntries(ext.columns.filter((c) => c in row.extra).map((c) => [c, row.extra[c]]));
        if (Object.keys(cells).length === 0) continue;
        const { spec, errors } = ext.parse(cells);
        for (const e of errors) {
          problems.push({
            key: 'catalogue.manifest.rowProblem',
            params: { line: row.line, column: columnOf(e.column), name: e.column, problem: e.message },
          });
        }
        prepared.extensions.push({ apply: (bookId) => ext.apply(this.ctx, bookId, spec, null) });
      }
      if (row.file) out.set(row.file, prepared);
    }
    if (problems.length) throw new ManifestError(sortProblems(problems));
    return out;
  }

  /** Imports every PDF of `source`; `onItem` is called after each file (progress). */
  async importSource(
    source: ImportSource,
    opts: {
      manifest: Map<string, PreparedRow>;
      /** The library that will own the imported books. */
      libraryId: number;
      actor: Actor;
      /** Called (and awaited) after each file: progress, or the durable record of a ZIP import. */
      onItem?: (o: ImportOutcome) => void | Promise<void>;
      /** Names already done by an earlier, interrupted run. */
      skip?: ReadonlySet<string>;
      signal?: AbortSignal;
    },
  ): Promise<ImportOutcome[]> {
    const maxMb = Math.round(this.ctx.config.uploads.maxBytes / 1048576);
    const outcomes: ImportOutcome[] = [];
    const seen = new Set<string>();
    const push = async (o: ImportOutcome) => {
      outcomes.push(o);
      await opts.onItem?.(o);
    };
    for await (const entry of source.entries()) {
      if (opts.signal?.aborted) return outcomes; // interrupted: a re-run continues where this stopped
      const prepared = opts.manifest.get(entry.name) ?? opts.manifest.get(entry.name.split('/').pop()!);
      if (prepared) seen.add(prepared.row.file);
      if (opts.skip?.has(entry.name)) continue;
      try {
        if (entry.hash) {
          const existing = await this.ctx.repos.books.findBySha256(await entry.hash());
          if (existing) {
            await push({ name: entry.name, kind: 'duplicate', bookId: existing.bookId, title: existing.title });
            continue;
          }
        }
        const file = await entry.toTmp(this.ctx.storage);
        const r = await this.ctx.services.intake.intake(
          { tmpPath: file.tmpPath, originalName: entry.name, size: file.size, sha256: file.sha256, head: file.head },
          { libraryId: opts.libraryId, actorId: opts.actor?.id ?? null },
          prepared?.meta,
        );
        if (r.kind === 'rejected') {
          await push({ name: entry.name, kind: 'rejected', problem: { key: r.messageKey, params: { name: entry.name, max: maxMb } } });
          continue;
        }
        if (r.kind === 'created') for (const ext of prepared?.extensions ?? []) await ext.apply(r.bookId);
        await push({ name: entry.name, kind: r.kind, bookId: r.bookId, title: r.title });
      } catch (err) {
        const code = (err as { code?: string }).code;
        const problem: FileProblem =
          code === 'too_large'
            ? { key: 'catalogue.reject.tooLarge', params: { max: maxMb } }
            : err instanceof AppError
              ? { key: err.messageKey, params: err.params }
              : { text: (err as Error).message };
        this.ctx.log.warn({ err, name: entry.name }, 'import of a file failed');
        await push({ name: entry.name, kind: 'failed', problem });
      }
    }
    for (const file of opts.manifest.keys()) {
      if (!seen.has(file) && !opts.skip?.has(file))
        await push({ name: file, kind: 'failed', problem: { key: 'catalogue.import.notInFolder' } });
    }
    return outcomes;
  }

  /** Waits until every book's ingest finished (indexed or failed); `onProgress(done, total)`. */
  async waitForIngest(
    bookIds: number[],
    opts: { pollMs?: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<Map<number, { status: string; error: string | null }>> {
    const result = new Map<number, { status: string; error: string | null }>();
    let pending = [...new Set(bookIds)];
    while (pending.length && !opts.signal?.aborted) {
      const rows = await this.ctx.repos.books.ingestStates(pending);
      const present = new Set(rows.map((r) => r.id));
      for (const id of pending) if (!present.has(id)) result.set(id, { status: 'deleted', error: null });
      for (const r of rows)
        if (r.ingest_status === 'indexed' || r.ingest_status === 'failed')
          result.set(r.id, { status: r.ingest_status, error: r.ingest_error });
      pending = pending.filter((id) => !result.has(id));
      opts.onProgress?.(bookIds.length - pending.length, bookIds.length);
      if (pending.length) await new Promise((r) => setTimeout(r, opts.pollMs ?? 300));
    }
    return result;
  }

  /** Waits (bounded) until the search outbox has caught up with these books. */
  async waitForIndex(bookIds: number[], opts: { signal?: AbortSignal; timeoutMs: number }): Promise<boolean> {
    const until = Date.now() + opts.timeoutMs;
    while (Date.now() < until && !opts.signal?.aborted) {
      if ((await this.ctx.repos.books.countIndexPending(bookIds)) === 0) return true;
      await new Promise((r) => setTimeout(r, 300));
    }
    return false;
  }

  /** Publishes each book the publishing rules allow; returns the ones that stay drafts, with why (import-text.ts translates). */
  async publishAll(
    bookIds: number[],
    actor: Actor,
  ): Promise<{ published: number[]; blocked: Array<{ bookId: number; problem: PublishRefusal }> }> {
    const published: number[] = [];
    const blocked: Array<{ bookId: number; problem: PublishRefusal }> = [];
    for (const id of bookIds) {
      try {
        await this.ctx.services.books.publish(id, actor);
        published.push(id);
      } catch (err) {
        const problem: PublishRefusal =
          err instanceof PublishBlocked
            ? { publishProblems: err.problems }
            : err instanceof AppError
              ? { key: err.messageKey, params: err.params }
              : { text: (err as Error).message };
        blocked.push({ bookId: id, problem });
      }
    }
    return { published, blocked };
  }
}

/** Removes a temporary upload whatever happens to it. */
export const removeQuietly = (file: string) => fsp.rm(file, { force: true }).catch(() => undefined);
