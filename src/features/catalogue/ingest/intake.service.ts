import fsp from 'node:fs/promises';
import type { Database } from '../../../db/database.ts';
import { isUniqueViolation } from '../../../db/database.ts';
import type { MessageKey } from '../../../http/i18n/index.ts';
import type { JobWaker } from '../../../infra/jobs/job-runner.ts';
import type { JobsRepository } from '../../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../../infra/logger.ts';
import type { Storage } from '../../../infra/storage.ts';
import type { BooksRepository } from '../books/books.repository.ts';
import { safeOriginalName, titleFromFileName } from '../catalogue-text.ts';
import { INGEST_JOB } from './ingest.job.ts';
import { isPdfRejection, type PdfEngine, type RejectCode } from '../../../pdf/pdf-engine.ts';
import { readHead, sniff } from './upload-storage.ts';

/** Metadata known before ingest (import manifest); fields listed in `editedFields` win over the PDF's own. */
export interface IntakeMetadata {
  title?: string;
  authors?: string[];
  categoryIds?: number[];
  year?: number | null;
  language?: string;
  description?: string;
  editedFields: string[];
}

/** Who brings the file in: the library that will own the book, and the account (null: a script). */
export interface IntakeOwner {
  libraryId: number;
  actorId: number | null;
}

export type IntakeResult =
  | { kind: 'created'; bookId: number; title: string; name: string }
  /**
   * Already stored. A PDF is stored and extracted once for the whole city: when another library
   * holds it, `elsewhere` names that library, and the uploader is offered the shared catalogue.
   */
  | { kind: 'duplicate'; bookId: number; title: string; name: string; elsewhere?: { libraryName: string } }
  | { kind: 'rejected'; code: RejectCode | 'too_large'; messageKey: MessageKey; name: string };

export const REJECT_MESSAGES: Record<RejectCode | 'too_large', MessageKey> = {
  empty: 'catalogue.reject.empty',
  not_pdf: 'catalogue.reject.notPdf',
  corrupt: 'catalogue.reject.corrupt',
  password_protected: 'catalogue.reject.password',
  too_large: 'catalogue.reject.tooLarge',
  too_heavy: 'catalogue.reject.tooHeavy',
};

interface Deps {
  db: Database;
  books: BooksRepository;
  jobsRepo: JobsRepository;
  jobs: JobWaker;
  storage: Storage;
  pdf: () => PdfEngine;
  log: Logger;
  maxBytes: number;
}

/**
 * Turns a file sitting in storage/tmp into a draft book — or rejects it, leaving nothing behind.
 * Shared by the upload form, the ZIP import and the import CLI, so all three follow one rule set:
 * bytes say "PDF", size within the limit, not already stored (SHA-256), pdf.js opens it without
 * a password; then the file moves into storage/books and the draft + ingest job commit together.
 */
export class IntakeService {
  constructor(private readonly d: Deps) {}

  async intake(
    file: { tmpPath: string; originalName: string; size: number; sha256: string; head?: Buffer },
    owner: IntakeOwner,
    meta?: IntakeMetadata,
  ): Promise<IntakeResult> {
    const name = safeOriginalName(file.originalName);
    let kept = false;
    try {
      const reject = (code: RejectCode | 'too_large'): IntakeResult => ({
        kind: 'rejected',
        code,
        messageKey: REJECT_MESSAGES[code],
        name,
      });
      if (file.size === 0) return reject('empty');
      if (sniff(file.head ?? (await readHead(file.tmpPath))) !== 'pdf') return reject('not_pdf');
      if (file.size > this.d.maxBytes) return reject('too_large');
      const existing = await this.d.books.findBySha256(file.sha256);
      if (existing) return duplicateOf(existing, owner, name);
      try {
        await this.d.pdf().validate(file.tmpPath);
      } catch (err) {
        if (isPdfRejection(err)) return reject(err.code);
        throw err;
      }
      const created = await this.createDraft(file, name, owner, meta);
      kept = created.kind === 'created';
      return created;
    } finally {
      if (!kept) await fsp.rm(file.tmpPath, { force: true });
    }
  }

  private async createDraft(
    file: { tmpPath: string; size: number; sha256: string },
    name: string,
    owner: IntakeOwner,
    meta?: IntakeMetadata,
  ): Promise<IntakeResult> {
    const storageKey = `${file.sha256}.pdf`;
    let moved = false;
    try {
      const book = await this.d.db.transaction().execute(async (trx) => {
        const title = meta?.title || titleFromFileName(name);
        const draft = await this.d.books.insertDraft(trx, {
          sha256: file.sha256,
          sizeBytes: file.size,
          storageKey,
          originalName: name,
          title,
          libraryId: owner.libraryId,
          createdBy: owner.actorId,
          language: meta?.language,
          description: meta?.description,
          publicationYear: meta?.year ?? null,
          editedFields: meta?.editedFields ?? [],
        });
        if (meta?.authors?.length) await this.d.books.setAuthors(trx, draft.id, meta.authors);
        if (meta?.categoryIds?.length) await this.d.books.setCategories(trx, draft.id, meta.categoryIds);
        await this.d.jobsRepo.enqueue(INGEST_JOB, { bookId: draft.id }, { dedupeKey: `ingest:${draft.id}`, maxAttempts: 3 }, trx);
        // Moved before COMMIT: once the row is visible, its file is there.
        await this.d.storage.moveIn(file.tmpPath, 'books', storageKey);
        moved = true;
        return draft;
      });
      this.d.jobs.wake();
      return { kind: 'created', bookId: book.id, title: book.title, name };
    } catch (err) {
      if (isUniqueViolation(err)) {
        // The same file was uploaded concurrently and the other upload won.
        const existing = await this.d.books.findBySha256(file.sha256);
        if (existing) return duplicateOf(existing, owner, name);
      }
      // The commit failed after the move: remove the file unless another book now owns it.
      if (moved && !(await this.d.books.findBySha256(file.sha256))) await this.d.storage.remove('books', storageKey);
      throw err;
    }
  }
}

function duplicateOf(
  existing: { bookId: number; title: string; libraryId: number; libraryName: string },
  owner: IntakeOwner,
  name: string,
): IntakeResult {
  const { bookId, title } = existing;
  if (existing.libraryId === owner.libraryId) return { kind: 'duplicate', bookId, title, name };
  return { kind: 'duplicate', bookId, title, name, elsewhere: { libraryName: existing.libraryName } };
}
