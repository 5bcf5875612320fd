import { stringify } from 'csv-stringify/sync';

/**
 * Spreadsheet-safe cell: readers type these queries, and a cell that starts a formula (= + - @,
 * tab, CR) — or would after a spreadsheet splits it on another separator (; , tab |) — must
 * not run on a leader's PC. An apostrophe makes the spreadsheet show it as text.
 */
export function guardCell(value: string): string {
  const inner = value.replace(/([;,\t|])(\s*)(?=[=+\-@])/g, "$1$2'");
  return /^\s*[=+\-@\t\r]/.test(inner) ? `'${inner}` : inner;
}

/** UTF-8 with BOM (Excel otherwise mangles Vietnamese), CRLF, RFC 4180 quoting, through csv-stringify. */
export function requestsCsv(header: string[], rows: Array<Array<string | number>>): string {
  return stringify([header, ...rows], { bom: true, record_delimiter: 'windows', cast: { string: guardCell } });
}
