import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../../src/context.ts';
import { makePdf, type OutlineSpec as OutlineSpecOfMakePdf } from '../../helpers/make-pdf.ts';

/** ../shared/corpus beside the project (see its SOURCES.md); tests that need it skip with a reason. */
const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = path.resolve(here, '../../../../shared/corpus');
export const CORPUS: string | null = fs.existsSync(path.join(corpusDir, 'SOURCES.md')) ? corpusDir : null;
if (!CORPUS) console.warn(`[catalogue tests] ${corpusDir} is absent: tests on the real PDF corpus are skipped`);

export const corpusFile = (rel: string) => path.join(CORPUS ?? corpusDir, rel);

/** Everything a rejected upload could leave behind: rows, stored files, temporary files. */
export async function storageState(
  ctx: AppContext,
): Promise<{ books: number; files: number; pages: number; stored: string[]; tmp: string[]; jobs: number }> {
  const count = async (table: 'books' | 'book_files' | 'book_pages') =>
    Number(
      (
        await ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const list = async (dir: string) => (await fsp.readdir(path.join(ctx.config.storageDir, dir)).catch(() => [] as string[])).sort();
  const jobs = Number(
    (
      await ctx.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('type', '=', 'catalogue.ingest')
        .executeTakeFirstOrThrow()
    ).n,
  );
  return {
    books: await count('books'),
    files: await count('book_files'),
    pages: await count('book_pages'),
    stored: await list('books'),
    tmp: await list('tmp'),
    jobs,
  };
}

export const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** A ZIP (stored, no compression) built in memory, for the web import tests. */
export async function zipOf(entries: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, e.data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface VietnameseBook {
  pdf: Buffer;
  sha256: string;
  pageTexts: string[];
  outline: Array<{ title: string; pageNumber: number | null; children: unknown[] }>;
}

const SENTENCES = [
  'Tôi sống độc lập từ thuở bé. Ấy là tục lệ lâu đời trong họ nhà dế chúng tôi.',
  'Bởi tôi ăn uống điều độ và làm việc có chừng mực nên tôi chóng lớn lắm.',
  'Đôi càng tôi mẫm bóng. Những cái vuốt ở chân, ở khoeo cứ cứng dần và nhọn hoắt.',
  'Sáng nào tôi cũng dậy sớm, ra đứng trên bờ sông mà ngắm cảnh.',
  'Trường học của chúng tôi ở cuối đường làng, bên cạnh cánh đồng lúa.',
];

/**
 * A generated PDF with Vietnamese text on each page, an outline and document metadata.
 * Uses tests/helpers/make-pdf.ts (embedded DejaVu Sans, so pdf.js extracts exactly this Unicode).
 */
export async function vietnameseBook(opts: { title: string; author?: string; pages: number; subject?: string }): Promise<VietnameseBook> {
  const pageTexts = Array.from({ length: opts.pages }, (_, i) => `Trang ${i + 1}. ${SENTENCES[i % SENTENCES.length]}`);
  const outline = [
    {
      title: 'Chương một: Tôi sống độc lập',
      pageNumber: 1,
      children: opts.pages > 1 ? [{ title: 'Mục 1.1', pageNumber: 2, children: [] }] : [],
    },
  ];
  const pdf = await makeVietnamesePdf({ title: opts.title, author: opts.author, subject: opts.subject, pages: pageTexts, outline });
  return { pdf, sha256: sha256(pdf), pageTexts, outline };
}

type OutlineSpec = Array<{ title: string; pageNumber: number | null; children: unknown[] }>;

function makeVietnamesePdf(spec: {
  title: string;
  author?: string;
  subject?: string;
  pages: string[];
  outline: OutlineSpec;
}): Promise<Buffer> {
  return makePdf({
    lang: 'vi',
    info: { title: spec.title, author: spec.author, subject: spec.subject },
    pages: spec.pages.map((t) => ({ text: [t] })),
    outline: toMakePdfOutline(spec.outline),
  });
}

function toMakePdfOutline(nodes: OutlineSpec): OutlineSpecOfMakePdf[] {
  return nodes.map((n) => ({ title: n.title, page: n.pageNumber ?? 1, children: toMakePdfOutline(n.children as OutlineSpec) }));
}
