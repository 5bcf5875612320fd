import type { BookImportOutcome, StoredFileProblem } from '../../../db/schema/imports.ts';
import { isMessageKey, translator, type Lang, type Translate } from '../../../http/i18n/index.ts';
import type { PublishGate } from '../books/publish-gate.ts';
import { INGEST_ERROR_KEYS } from './ingest.job.ts';
import type { FileProblem, PublishRefusal } from './import.service.ts';

/**
 * Import and ingest results in words, for routes, views and the CLI: the services return codes
 * and data (FileProblem, PublishRefusal, stored keys), and this is where they become sentences,
 * in the language of whoever reads them.
 */

/** A file that was not taken in, as it is shown next to its name. */
export interface OutcomeView {
  name: string;
  kind: BookImportOutcome['kind'];
  bookId?: number;
  title?: string;
  reason?: string;
  /** A duplicate held by another library of the city (shared catalogue): its name. */
  elsewhere?: { libraryName: string };
}

/** A file problem in words; a stored key this version no longer knows is shown as it is. */
export function fileProblemText(problem: FileProblem | StoredFileProblem, t: Translate): string {
  if ('text' in problem) return problem.text;
  return isMessageKey(problem.key) ? t(problem.key, problem.params) : problem.key;
}

/** Why publishAll left a book a draft, with the publishing rules' reasons in `lang`. */
export function publishRefusalText(problem: PublishRefusal, gate: PublishGate, lang: Lang): string {
  const t = translator(lang);
  if ('publishProblems' in problem)
    return t('catalogue.publish.blocked', { reasons: gate.describe(problem.publishProblems, lang).join(' ') });
  return fileProblemText(problem, t);
}

/** One file's result (of an upload or a ZIP import) for a page or a JSON answer. */
export function outcomeView(o: BookImportOutcome, t: Translate): OutcomeView {
  // Outcomes recorded before problems were stored as codes hold the sentence itself, in `reason`.
  const reason = o.problem ? fileProblemText(o.problem, t) : o.reason;
  return { name: o.name, kind: o.kind, bookId: o.bookId, title: o.title, reason };
}

/** What a failed ZIP import stores in book_imports.error: its problems as codes (JSON). */
export function storedImportError(problems: FileProblem[]): string {
  return JSON.stringify({ problems });
}

/** A failed ZIP import's error in words; rows stored before codes hold the translated sentence itself. */
export function importErrorText(error: string | null, t: Translate): string | null {
  if (error === null) return null;
  let stored: unknown;
  try {
    stored = error.startsWith('{') ? JSON.parse(error) : null;
  } catch {
    stored = null;
  }
  const problems = (stored as { problems?: unknown } | null)?.problems;
  if (!Array.isArray(problems)) return error;
  return (problems as StoredFileProblem[]).map((p) => fileProblemText(p, t)).join(' ');
}

/** The translated text of a stored ingest error; older rows holding raw error text get the generic sentence. */
export function ingestErrorText(error: string | null, lang: Lang): string {
  if (!error) return '';
  const keys = Object.values(INGEST_ERROR_KEYS) as string[];
  const key = keys.includes(error) ? (error as (typeof INGEST_ERROR_KEYS)[keyof typeof INGEST_ERROR_KEYS]) : INGEST_ERROR_KEYS.unexpected;
  return translator(lang)(key);
}
