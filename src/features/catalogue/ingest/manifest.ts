import { parse } from 'csv-parse/sync';
import type { AppContext } from '../../../context.ts';
import type { MessageKey } from '../../../http/i18n/index.ts';
import type { Actor } from '../books/books.service.ts';
import { splitList } from '../catalogue-text.ts';

/** Columns of an import manifest (books.csv). `file` names a PDF inside the imported folder or ZIP. */
export const MANIFEST_COLUMNS = ['file', 'title', 'authors', 'categories', 'year', 'language', 'description'] as const;

/** A translated problem: message key + parameters. */
export interface ManifestProblem {
  key: MessageKey;
  params: Record<string, string | number>;
}

export interface ManifestRow {
  line: number;
  file: string;
  title?: string;
  authors?: string[];
  categories?: string[];
  year?: number | null;
  language?: string;
  description?: string;
  /** Cells of columns other features registered (e.g. consent), by column name. */
  extra: Record<string, string>;
  /** Which metadata columns had a value: those win over the PDF's own metadata. */
  editedFields: string[];
}

/** A problem an extension found in one cell (translated: the manifest's language is Vietnamese). */
export interface ManifestCellError {
  column: string;
  message: string;
}

/**
 * Other features may accept more columns (consent: rights holder, licence…). `parse` validates
 * a row up front, naming the column of each problem; `apply` runs once the draft exists and
 * before publishing.
 */
export interface ManifestExtension {
  columns: string[];
  parse(row: Record<string, string>): { spec: unknown; errors: ManifestCellError[] };
  apply(ctx: AppContext, bookId: number, spec: unknown, actor: Actor): Promise<void>;
}

export class ManifestError extends Error {
  constructor(readonly problems: ManifestProblem[]) {
    super(problems.map((p) => `${p.key} ${JSON.stringify(p.params)}`).join('; '));
    this.name = 'ManifestError';
  }
}

/** A manifest larger than this is refused (a books.csv of 20,000 rows weighs ~4 MB). */
export const MANIFEST_MAX_BYTES = 5 * 1024 * 1024;

export function manifestTooLarge(file: string): ManifestError {
  return new ManifestError([{ key: 'catalogue.manifest.tooLarge', params: { file, max: MANIFEST_MAX_BYTES / 1048576 } }]);
}

/**
 * The manifest's text from its bytes: refused, naming the file, when it is too large or not
 * UTF-8 (a CSV saved by Excel in a Windows code page would otherwise store “Tr�ng Qu�nh”).
 */
export function decodeManifest(bytes: Uint8Array, file: string): string {
  if (bytes.length > MANIFEST_MAX_BYTES) throw manifestTooLarge(file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const bad = lenient.indexOf('\uFFFD');
    const line = bad < 0 ? 1 : lenient.slice(0, bad).split('\n').length;
    throw new ManifestError([{ key: 'catalogue.manifest.notUtf8', params: { file, line } }]);
  }
}

/** Spreadsheet column name of a 0-based index: A, B, … Z, AA … (what a librarian sees in Excel). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/**
 * Parses a CSV manifest with a header row, collecting every problem (line and column) instead of
 * stopping at the first kind: unknown columns are reported and their cells ignored, so the rows
 * are still checked in the same pass. Missing columns simply fall back to the PDF's metadata.
 * `columnOf` gives the letter of a column by name, for problems found later (categories, extensions).
 */
export function readManifest(
  text: string,
  extraColumns: string[] = [],
): { rows: ManifestRow[]; problems: ManifestProblem[]; columnOf: (name: string) => string } {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true }) as string[][];
  } catch (err) {
    const reason = (err as Error).message;
    return { rows: [], problems: [{ key: 'catalogue.manifest.unreadable', params: { reason } }], columnOf: () => '?' };
  }
  if (records.length === 0) return { rows: [], problems: [{ key: 'catalogue.manifest.empty', params: {} }], columnOf: () => '?' };
  const header = records[0].map((h) => h.trim().toLowerCase());
  const known = new Set<string>([...MANIFEST_COLUMNS, ...extraColumns.map((c) => c.toLowerCase())]);
  const problems: ManifestProblem[] = [];
  const position = new Map<string, number>();
  header.forEach((h, i) => {
    if (!known.has(h)) {
      problems.push({
        key: 'catalogue.manifest.unknownColumn',
        params: { column: columnLetter(i), name: h, known: [...known].join(', ') },
      });
    } else if (position.has(h)) {
      problems.push({ key: 'catalogue.manifest.duplicateColumn', params: { column: columnLetter(i), name: h } });
    } else position.set(h, i);
  });
  if (!position.has('file')) problems.push({ key: 'catalogue.manifest.noFileColumn', params: {} });
  const columnOf = (name: string) => {
    const i = position.get(name.toLowerCase());
    return i === undefined ? '?' : columnLetter(i);
  };

  const rows: ManifestRow[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((cells, i) => {
    const line = i + 2;
    const cell: Record<string, string> = {};
    for (const [name, j] of position) cell[name] = (cells[j] ?? '').normalize('NFC');
    const at = (name: string) => ({ line, column: columnOf(name) });
    const file = cell.file ?? '';
    if (position.has('file') && !file) problems.push({ key: 'catalogue.manifest.missingFile', params: at('file') });
    else if (file && seen.has(file)) problems.push({ key: 'catalogue.manifest.duplicateFile', params: { ...at('file'), file } });
    seen.add(file);
    const row: ManifestRow = { line, file, extra: {}, editedFields: [] };
    const set = <K extends keyof ManifestRow>(key: K, value: ManifestRow[K], field: string) => {
      row[key] = value;
      row.editedFields.push(field);
    };
    if (cell.title) set('title', cell.title.slice(0, 300), 'title');
    if (cell.authors) set('authors', splitList(cell.authors, /;/), 'authors');
    if (cell.categories) set('categories', splitList(cell.categories, /;/), 'categories');
    if (cell.description) set('description', cell.description.slice(0, 5000), 'description');
    if (cell.language) {
      if (!/^[a-z]{2,3}$/i.test(cell.language))
        problems.push({ key: 'catalogue.manifest.badLanguage', params: { ...at('language'), value: cell.language } });
      row.language = cell.language.toLowerCase();
      row.editedFields.push('language');
    }
    if (cell.year) {
      const year = Number(cell.year);
      if (!Number.isInteger(year) || year < 1000 || year > 2100)
        problems.push({ key: 'catalogue.manifest.badYear', params: { ...at('year'), value: cell.year } });
      else set('year', year, 'publication_year');
    }
    for (const c of extraColumns) if (cell[c.toLowerCase()] !== undefined) row.extra[c] = cell[c.toLowerCase()];
    rows.push(row);
  });
  return { rows, problems: sortProblems(problems), columnOf };
}

/** readManifest for callers that want rows or one error listing every problem. */
export function parseManifest(text: string, extraColumns: string[] = []): ManifestRow[] {
  const { rows, problems } = readManifest(text, extraColumns);
  if (problems.length) throw new ManifestError(problems);
  return rows;
}

/** Header problems first, then by line, then by column (stable: same-cell problems keep their order). */
export function sortProblems(problems: ManifestProblem[]): ManifestProblem[] {
  const line = (p: ManifestProblem) => (typeof p.params.line === 'number' ? p.params.line : 1);
  const column = (p: ManifestProblem) => String(p.params.column ?? '');
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => line(a.p) - line(b.p) || column(a.p).length - column(b.p).length || column(a.p).localeCompare(column(b.p)) || a.i - b.i)
    .map((x) => x.p);
}
