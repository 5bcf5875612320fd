import crypto from 'node:crypto';
import type { AppContext } from '../../../context.ts';
import type { BookImportOutcome } from '../../../db/schema/imports.ts';
import { AppError } from '../../../http/errors.ts';
import type { Lang } from '../../../http/i18n/index.ts';
import { PermanentJobError } from '../../../infra/jobs/job-runner.ts';
import type { Actor } from '../books/books.service.ts';
import { DEFAULT_ZIP_LIMITS, ZIP_REFUSALS, ZipLimitError, zipSource, type ImportSource } from './import-sources.ts';
import { ImportService, type FileProblem, type ImportOutcome } from './import.service.ts';
import { storedImportError } from './import-text.ts';
import { BookImportsRepository } from './imports.repository.ts';
import { ManifestError } from './manifest.ts';

export const ZIP_IMPORT_JOB = 'catalogue.import-zip';

/**
 * A ZIP import in two steps. In the request, only what is quick and decides everything: the
 * ZIP's central directory against the limits, and the whole manifest (every problem at once);
 * then the ZIP is stored and a durable job queued, and the librarian follows a progress page.
 * The job extracts and takes in the PDFs one by one, recording each outcome, so a job re-run
 * after a crash continues after the files already done.
 */
export class ZipImportService {
  private readonly imports: BookImportsRepository;
  private readonly importer: ImportService;

  constructor(private readonly ctx: AppContext) {
    this.imports = new BookImportsRepository(ctx.db);
    this.importer = new ImportService(ctx);
  }

  private limits() {
    return { ...DEFAULT_ZIP_LIMITS, maxEntryBytes: this.ctx.config.uploads.maxBytes };
  }

  /** Opens a ZIP under the limits: AppError (400) with the reason when it is refused. */
  private async open(zipPath: string): Promise<ImportSource> {
    return zipSource(zipPath, this.limits()).catch((err: unknown) => {
      if (err instanceof ZipLimitError) throw new AppError(400, err.code, ZIP_REFUSALS[err.code], err.params);
      throw new AppError(400, 'bad_zip', 'catalogue.import.badZip');
    });
  }

  /**
   * Checks the uploaded ZIP (throws AppError or ManifestError), moves it into storage and queues
   * the import; returns the import's id.
   */
  async start(upload: { path: string; originalName: string }, libraryId: number, actor: Actor, lang: Lang): Promise<number> {
    const source = await this.open(upload.path);
    try {
      await this.importer.prepareManifest(libraryId, await source.manifestText());
    } finally {
      await source.close();
    }
    const zipKey = `${crypto.randomUUID()}.zip`;
    const id = await this.ctx.db.transaction().execute(async (trx) => {
      const importId = await this.imports.create(
        { libraryId, originalName: upload.originalName.slice(0, 300), zipKey, lang, createdBy: actor?.id ?? null },
        trx,
      );
      await this.ctx.repos.jobs.enqueue(ZIP_IMPORT_JOB, { importId }, { dedupeKey: `import:${importId}`, maxAttempts: 3 }, trx);
      await this.ctx.storage.moveIn(upload.path, 'imports', zipKey); // before COMMIT: once the row is visible, its ZIP is there
      return importId;
    });
    this.ctx.jobs.wake();
    return id;
  }

  find(id: number) {
    return this.imports.findById(id);
  }

  /** The job: imports every PDF not already recorded, then removes the stored ZIP. */
  async run(importId: number, signal: AbortSignal): Promise<void> {
    const row = await this.imports.findById(importId);
    if (!row || row.status === 'done' || row.status === 'failed') return;
    // Problems are stored as codes and translated when shown, in the reader's language.
    const fail = async (problems: FileProblem[]) => {
      await this.imports.finish(importId, { status: 'failed', error: storedImportError(problems) });
      await this.ctx.storage.remove('imports', row.zip_key);
      throw new PermanentJobError(`import ${importId}: ${problems.map((p) => ('key' in p ? p.key : p.text)).join(', ')}`);
    };
    let source: ImportSource;
    try {
      source = await this.open(this.ctx.storage.path('imports', row.zip_key));
    } catch (err) {
      return fail([err instanceof AppError ? { key: err.messageKey, params: err.params } : { key: 'catalogue.import.badZip' }]);
    }
    try {
      let manifest;
      try {
        manifest = await this.importer.prepareManifest(row.library_id, await source.manifestText());
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        return await fail(err.problems.map((p) => ({ key: p.key, params: p.params })));
      }
      await this.imports.start(importId, await source.count());
      const done = new Set(row.outcomes.map((o) => o.name));
      await this.importer.importSource(source, {
        manifest,
        libraryId: row.library_id,
        actor: row.created_by === null ? null : { id: row.created_by },
        skip: done,
        signal,
        onItem: (o) => this.imports.addOutcome(importId, toStored(o)),
      });
      if (signal.aborted) throw new Error('import interrupted by shutdown'); // the job runs again and resumes
      await this.imports.finish(importId, { status: 'done' });
      await this.ctx.storage.remove('imports', row.zip_key);
    } finally {
      await source.close();
    }
  }
}

function toStored(o: ImportOutcome): BookImportOutcome {
  return { name: o.name, kind: o.kind, bookId: o.bookId, title: o.title, problem: o.problem };
}
