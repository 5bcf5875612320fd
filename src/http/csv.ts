import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null | undefined;

/**
 * The one CSV writer (statistics exports, the consent register), for spreadsheets used by union
 * offices (Excel, LibreOffice, Google Sheets): UTF-8 with a byte-order mark (Excel otherwise
 * mangles Vietnamese), CRLF line ends, RFC 4180 quoting by csv-stringify.
 *
 * Text typed by anonymous readers (search terms) and by staff ends up in these cells and must
 * never run as a formula on a leader's PC. A spreadsheet starts a formula at the start of a cell,
 * and a program that splits on another separator (`;` with Vietnamese regional settings, tab)
 * starts new cells inside ours: `abc;=1+1` becomes `abc` and `=1+1`. So a cell that has a formula
 * character at its start or after any separator gets an apostrophe there (and at its start), and
 * cells holding such separators are quoted.
 */
export function toCsv(columns: string[], rows: CsvCell[][]): string {
  const body = stringify(
    [columns, ...rows].map((r) => r.map(cell)),
    {
      bom: true,
      record_delimiter: '\r\n',
      quoted_match: /[;\t|]/,
    },
  );
  return body;
}

const SEPARATOR_THEN_FORMULA = /([;,\t\r\n|]\s*)([=+\-@])/g;
const STARTS_FORMULA = /^\s*[=+\-@\t\r\n]/;

/** Neutralises formula starts; exported for tests. */
export function defuseFormula(text: string): string {
  SEPARATOR_THEN_FORMULA.lastIndex = 0;
  if (!STARTS_FORMULA.test(text) && !SEPARATOR_THEN_FORMULA.test(text)) return text;
  return `'${text.replace(SEPARATOR_THEN_FORMULA, "$1'$2")}`;
}

function cell(value: CsvCell): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? value : '';
  return defuseFormula(value);
}
