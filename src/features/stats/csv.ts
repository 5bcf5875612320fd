/**
 * CSV for spreadsheets used by union offices (Excel, LibreOffice, Google Sheets):
 * UTF-8 with a byte-order mark (Excel otherwise mangles Vietnamese), CRLF line ends, RFC 4180
 * quoting. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) are prefixed with an
 * apostrophe: search queries are typed by anonymous readers and must never execute on a leader's PC.
 */
export function toCsv(columns: string[], rows: Array<Array<string | number>>): string {
  const lines = [columns.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function cell(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
