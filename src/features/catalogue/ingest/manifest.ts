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

/**
 * Other features may accept more columns (consent: rights holder, licence…). `parse` validates
 * a row up front; `apply` runs once the draft exists and before publishing.
 */
export interface ManifestExtension {
  columns: string[];
  parse(row: Record<string, string>): { spec: unknown; errors: string[] };
  apply(ctx: AppContext, bookId: number, spec: unknown, actor: Actor): Promise<void>;
}

export class ManifestError extends Error {
  constructor(readonly problems: ManifestProblem[]) {
    super(problems.map((p) => `${p.key} ${JSON.stringify(p.params)}`).join('; '));
    this.name = 'ManifestError';
  }
}

/**
 * Parses a UTF-8 CSV manifest with a header row. Unknown columns are an error naming them;
 * missing columns simply fall back to the PDF's metadata. Throws ManifestError with every
 * problem found, so a librarian can fix the file in one go.
 */
export function parseManifest(text: string, extraColumns: string[] = []): ManifestRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true }) as string[][];
  } catch (err) {
    throw new ManifestError([{ key: 'catalogue.manifest.unreadable', params: { reason: (err as Error).message } }]);
  }
  if (records.length === 0) throw new ManifestError([{ key: 'catalogue.manifest.empty', params: {} }]);
  const header = records[0].map((h) => h.trim().toLowerCase());
  const known = new Set<string>([...MANIFEST_COLUMNS, ...extraColumns.map((c) => c.toLowerCase())]);
  const unknown = header.filter((h) => !known.has(h));
  const problems: ManifestProblem[] = [];
  if (unknown.length)
    problems.push({ key: 'catalogue.manifest.unknownColumns', params: { columns: unknown.join(', '), known: [...known].join(', ') } });
  if (!header.includes('file')) problems.push({ key: 'catalogue.manifest.noFileColumn', params: {} });
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup) problems.push({ key: 'catalogue.manifest.duplicateColumn', params: { column: dup } });
  if (problems.length) throw new ManifestError(problems);

  const rows: ManifestRow[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((cells, i) => {
    const line = i + 2;
    const cell: Record<string, string> = {};
    header.forEach((h, j) => (cell[h] = (cells[j] ?? '').normalize('NFC')));
    const file = cell.file;
    if (!file) return problems.push({ key: 'catalogue.manifest.missingFile', params: { line } });
    if (seen.has(file)) return problems.push({ key: 'catalogue.manifest.duplicateFile', params: { line, file } });
    seen.add(file);
    const row: ManifestRow = { line, file, extra: {}, editedFields: [] };
    if (cell.title) {
      row.title = cell.title.slice(0, 300);
      row.editedFields.push('title');
    }
    if (cell.authors) {
      row.authors = splitList(cell.authors, /;/);
      row.editedFields.push('authors');
    }
    if (cell.categories) {
      row.categories = splitList(cell.categories, /;/);
      row.editedFields.push('categories');
    }
    if (cell.description) {
      row.description = cell.description.slice(0, 5000);
      row.editedFields.push('description');
    }
    if (cell.language) {
      if (!/^[a-z]{2,3}$/i.test(cell.language))
        problems.push({ key: 'catalogue.manifest.badLanguage', params: { line, value: cell.language } });
      row.language = cell.language.toLowerCase();
      row.editedFields.push('language');
    }
    if (cell.year) {
      const year = Number(cell.year);
      if (!Number.isInteger(year) || year < 1000 || year > 2100)
        problems.push({ key: 'catalogue.manifest.badYear', params: { line, value: cell.year } });
      else {
        row.year = year;
        row.editedFields.push('publication_year');
      }
    }
    for (const c of extraColumns) if (cell[c.toLowerCase()] !== undefined) row.extra[c] = cell[c.toLowerCase()];
    rows.push(row);
  });
  if (problems.length) throw new ManifestError(problems);
  return rows;
}
