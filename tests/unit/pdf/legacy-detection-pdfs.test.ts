import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractSummary, PageInfo } from '../../../src/pdf/extract-pdf.ts';
import { PdfWorkerPool } from '../../../src/pdf/worker-pool.ts';
import { makePdf } from '../../helpers/make-pdf.ts';

/**
 * The legacy-font detector on whole PDFs through the worker pool (issue 15): generated
 * non-Vietnamese books — including one whose text layer carries control characters, like the
 * pdf.js test files that used to be flagged — raise no legacy flag and need no OCR, while
 * generated TCVN3 and VNI samples are recognised and converted. (The corpus' non-Vietnamese
 * files are checked the same way in corpus.test.ts.)
 */

let dir: string;
const pool = new PdfWorkerPool({ size: 1 });
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legacy-pdfs-'));
});
afterAll(async () => {
  await pool.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function extract(name: string, pdf: Buffer): Promise<{ summary: ExtractSummary; pages: Array<{ text: string; info: PageInfo }> }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, pdf);
  const pages: Array<{ text: string; info: PageInfo }> = [];
  const summary = await pool.extract(file, { onPage: (_n, text, info) => void pages.push({ text, info }) });
  return { summary, pages };
}

const PROSE: Record<string, string[]> = {
  english: [
    'Free Culture: how big media uses technology and the law to lock down culture and control creativity.',
    'The quick brown fox jumps over the lazy dog; numbers such as 1,234.56 and 78% appear in tables.',
  ],
  french: [
    "Où est la bibliothèque ? L'élève a déjà mangé à la cantine, où il y a du maïs et des crêpes.",
    'Noël approche : « Bonjour », ça va très bien. Coïncidence naïve, façade, garçon, cœur, sœur, être.',
  ],
  german: [
    'Schöne Grüße aus München, die Größe der Bäume ist außergewöhnlich für Köln.',
    'Über Öl und Äpfel schrieb der Schüler eine Übung; die Straße führt zur Brücke.',
  ],
  spanish: ['El niño comió piñas en São Paulo; la canción está aquí. Ação, coração, não, pingüino, señor.'],
};

describe('non-Vietnamese PDFs raise no legacy flag', () => {
  it.each(Object.entries(PROSE))('%s', async (name, lines) => {
    const { summary, pages } = await extract(`${name}.pdf`, await makePdf({ pages: [{ text: lines }, { text: lines.slice().reverse() }] }));
    expect(summary.legacyEncoding).toBeNull();
    expect(summary.mojibakePages).toEqual([]);
    expect(summary.undecodablePages).toEqual([]);
    expect(pages[0].text).toContain(lines[0].slice(0, 20));
  });

  it('text with control characters in its text layer (ligature codes) is neither legacy nor undecodable', async () => {
    const { summary, pages } = await extract(
      'control.pdf',
      rawPdf([
        'The e\x03cient algorithm \x02nds signi\x03cant \x04ows',
        'in the \x02eld of o\x03ce work\x03ow and \x02nal con\x02guration.',
      ]),
    );
    // pdf.js hands the raw codes through as control characters (what made the old detector fire).
    expect(pages[0].info.legacyEncoding).toBeNull();
    expect(pages[0].info.undecodable).toBe(false);
    expect(summary.legacyEncoding).toBeNull();
    expect(summary.undecodablePages).toEqual([]);
    expect(pages[0].text).toContain('algorithm');
    expect(pages[0].text).toContain('e cient'); // the control code, blanked by normalisePageText
  });

  it('a page of glyph junk (control codes, no words) is undecodable — an OCR candidate — but not legacy', async () => {
    const { summary } = await extract(
      'junk.pdf',
      rawPdf(['xx\x07\x07qq \x03\x042\x07\x08 \x042 \x0e x \x0f2\x10\x11\x12\x132 2 !2 2@ \x05\x06']),
    );
    expect(summary.legacyEncoding).toBeNull();
    expect(summary.undecodablePages).toEqual([1]);
  });
});

describe('generated TCVN3 and VNI samples are recognised and converted', () => {
  it.each([
    ['tcvn3', ['Bé gi¸o dôc vµ ®µo t¹o', 'Tr\u00ADêng ®¹i häc B¸ch khoa Hµ Néi, n¨m häc míi'], 'Bộ giáo dục và đào tạo'],
    ['vni', ['Nhaø xuaát baûn Y hoïc', 'Yoga döôõng sinh cho moïi ngöôøi, Vieät Nam'], 'Yoga dưỡng sinh cho mọi người'],
  ] as const)('%s', async (encoding, lines, unicode) => {
    const { summary, pages } = await extract(`${encoding}.pdf`, await makePdf({ pages: [{ text: [...lines] }] }));
    expect(summary.legacyEncoding).toBe(encoding);
    expect(summary.convertedPages).toEqual([1]);
    expect(summary.undecodablePages).toEqual([]);
    expect(pages[0].text).toContain(unicode);
  });
});

/** A one-page PDF whose text is shown byte for byte in Helvetica (no ToUnicode): control codes stay control codes. */
function rawPdf(lines: string[]): Buffer {
  const octal = (c: string) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  const esc = (s: string) => [...s.replace(/[\\()]/g, (c) => `\\${c}`)].map((c) => (c < ' ' ? octal(c) : c)).join('');
  const content = `BT /F1 12 Tf 40 780 Td 16 TL ${lines.map((l) => `(${esc(l)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
