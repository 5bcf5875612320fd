import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared PDF test corpus (real books, some copyrighted) lives beside the repository and is
 * never copied into it. Its SOURCES.md lists every file with what it exercises; we read the
 * expectations from there so that the tests follow the corpus, not a copy of its description.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** PDF_CORPUS_DIR overrides the location (e.g. to check that the tests skip cleanly without it). */
export const CORPUS_DIR = path.resolve(repoRoot, process.env.PDF_CORPUS_DIR ?? '../shared/corpus');
const SOURCES = path.join(CORPUS_DIR, 'SOURCES.md');

export type CorpusOutcome = 'ok' | 'password_protected' | 'corrupt';

export interface CorpusEntry {
  file: string;
  path: string;
  /** From the table's pages/outline columns where the table has them (not the pdf.js table). */
  pages: number | null;
  outline: number | null;
  outcome: CorpusOutcome;
  /** The whole table row, for the feature-specific checks (scan, legacy encoding…). */
  description: string;
}

/** Why the corpus tests are skipped, or null when the corpus is there. */
export function corpusUnavailableReason(): string | null {
  if (!fs.existsSync(SOURCES)) return `PDF corpus not found at ${CORPUS_DIR} (SOURCES.md missing)`;
  return null;
}

export function readCorpus(): CorpusEntry[] {
  const lines = fs.readFileSync(SOURCES, 'utf8').split('\n');
  const entries: CorpusEntry[] = [];
  let header: string[] | null = null;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      header = null;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      continue;
    }
    if (cells.every((c) => /^-+$/.test(c))) continue;
    const fileCell = cells[header.indexOf('file')] ?? '';
    const file = /`([^`]+\.pdf)`/.exec(fileCell)?.[1];
    if (!file) continue;
    const number = (column: string): number | null => {
      const i = header!.indexOf(column);
      const m = i >= 0 ? /^[\d,]+$/.exec(cells[i].replace(/\*/g, '')) : null;
      return m ? Number(m[0].replace(/,/g, '')) : null;
    };
    const description = cells.join(' | ');
    entries.push({
      file,
      path: locate(file),
      pages: number('pages'),
      outline: number('outline'),
      outcome: outcomeOf(description),
      description,
    });
  }
  return entries;
}

/** The pdf.js table has no outcome column; its "what it exercises" text says it in words. */
function outcomeOf(description: string): CorpusOutcome {
  if (/\*\*(password-protected|non-ascii password)\*\*/i.test(description)) return 'password_protected';
  if (/\*\*corrupt and unrecoverable\*\*/i.test(description)) return 'corrupt';
  return 'ok';
}

function locate(file: string): string {
  for (const dir of ['vi', 'pdfjs', 'books']) {
    const candidate = path.join(CORPUS_DIR, dir, file);
    if (fs.existsSync(candidate)) return candidate;
  }
  return path.join(CORPUS_DIR, file);
}
