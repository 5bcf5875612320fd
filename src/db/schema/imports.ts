import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';

export type BookImportStatus = 'queued' | 'running' | 'done' | 'failed';

/** Why a file was not taken in: a message key with its parameters, or an unexpected error's own text. */
export type StoredFileProblem = { key: string; params?: Record<string, string | number> } | { text: string };

/** One file's result in a ZIP import; translated when shown (catalogue/ingest/import-text.ts). */
export interface BookImportOutcome {
  name: string;
  kind: 'created' | 'duplicate' | 'rejected' | 'failed';
  bookId?: number;
  title?: string;
  problem?: StoredFileProblem;
  /** Rows recorded before problems were stored as codes: the sentence, in the import's language. */
  reason?: string;
}

export interface BookImportsTable {
  id: Generated<number>;
  status: Generated<BookImportStatus>;
  original_name: string;
  /** Key in storage area 'imports' while the job needs the ZIP; removed when it ends. */
  zip_key: string;
  lang: Generated<string>;
  total: number | null;
  done: Generated<number>;
  outcomes: JSONColumnType<BookImportOutcome[], string | undefined, string>;
  /** Why the whole import failed: JSON `{ problems: StoredFileProblem[] }`; older rows hold the translated sentence. */
  error: string | null;
  created_by: number | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
  finished_at: Date | null;
  // 0014_libraries
  /** The library this row belongs to (set once, at creation). */
  library_id: ColumnType<number, number, never>;
}

export type BookImport = Selectable<BookImportsTable>;
