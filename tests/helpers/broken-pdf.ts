/**
 * A two-page PDF whose second page's content stream claims FlateDecode but holds garbage: pdf.js
 * opens the file and reads page 1, and page 2 fails with "Unknown block type in flate stream".
 */
export function brokenFlatePdf(firstPageText = 'Good page one'): Buffer {
  const good = `BT /F1 24 Tf 40 700 Td (${firstPageText.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`;
  const bad = Buffer.from('x\x9c\xff\xfe\xfd garbage that is not zlib at all \x00\x01\x02', 'latin1');
  const page = (contents: number) =>
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents ${contents} 0 R >>`;
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>'),
    Buffer.from(page(6)),
    Buffer.from(page(7)),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    Buffer.from(`<< /Length ${Buffer.byteLength(good, 'latin1')} >>\nstream\n${good}\nendstream`, 'latin1'),
    Buffer.concat([Buffer.from(`<< /Length ${bad.length} /Filter /FlateDecode >>\nstream\n`), bad, Buffer.from('\nendstream')]),
  ];
  let out = Buffer.from('%PDF-1.4\n', 'latin1');
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out = Buffer.concat([out, Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
  });
  const xref = out.length;
  const table = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const trailer = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${table}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.concat([out, Buffer.from(trailer, 'latin1')]);
}
