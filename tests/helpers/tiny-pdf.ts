/**
 * A dependency-free PDF writer for reader-site fixtures: N pages of text (Helvetica, accents
 * folded: the searchable Vietnamese text lives in book_pages, this file is what pdf.js renders),
 * an optional outline with Unicode titles, and optional padding per page so that a 300-page
 * fixture weighs like a real book for the Range-request budget.
 */

export interface TinyOutline {
  title: string;
  page: number;
  children?: TinyOutline[];
}

export interface TinyPdfOptions {
  /** Document title (Info dictionary): also makes files of identical pages distinct. */
  title?: string;
  pages: string[];
  outline?: TinyOutline[];
  /** Extra bytes of (invisible) drawing operators per page, to simulate page weight. */
  padBytesPerPage?: number;
}

const fold = (s: string) =>
  s
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?');
const pdfString = (s: string) => `(${fold(s).replace(/[\\()]/g, (c) => `\\${c}`)})`;
/** UTF-16BE with BOM, as hex: how PDF text strings carry Vietnamese outline titles. */
const utf16 = (s: string) =>
  `<FEFF${Array.from(s)
    .map((c) => {
      const cp = c.codePointAt(0) ?? 63;
      return cp > 0xffff ? '003F' : cp.toString(16).padStart(4, '0').toUpperCase();
    })
    .join('')}>`;

export function tinyPdf(opts: TinyPdfOptions): Buffer {
  const objects: string[] = []; // index i → object number i + 1
  const add = (body: string) => objects.push(body);
  const reserve = () => objects.push(''); // returns new length = object number

  const catalog = reserve();
  const pagesObj = reserve();
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const font = objects.length;
  const pageObjs: number[] = [];
  opts.pages.forEach((text, i) => {
    const lines = wrap(text, 60).slice(0, 40);
    let content = `BT /F1 13 Tf 40 560 Td 16 TL ${lines.map((l) => `${pdfString(l)} '`).join(' ')} ET\nBT /F1 9 Tf 190 20 Td (${i + 1}) Tj ET\n`;
    if (opts.padBytesPerPage) {
      // Invisible (zero-size, white) rectangles: real bytes the viewer must fetch, nothing visible.
      const unit = '1 1 1 rg 0 0 0.01 0.01 re f\n';
      content += unit.repeat(Math.ceil(opts.padBytesPerPage / unit.length));
    }
    add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`);
    const contents = objects.length;
    add(
      `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 420 595] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${contents} 0 R >>`,
    );
    pageObjs.push(objects.length);
  });
  // A balanced page tree (as real producers write): a reader finds page N by the /Count of each
  // subtree, without fetching every page dictionary of the file.
  const parentOf = new Map<number, number>();
  const buildTree = (kids: number[], count: (k: number) => number, parent: number): void => {
    if (kids.length <= 8) {
      objects[parent - 1] =
        `<< /Type /Pages${parent === pagesObj ? '' : ` /Parent ${parentOf.get(parent)} 0 R`} /Kids [${kids.map((n) => `${n} 0 R`).join(' ')}] /Count ${kids.reduce((a, k) => a + count(k), 0)} >>`;
      for (const k of kids) parentOf.set(k, parent);
      return;
    }
    const size = Math.ceil(kids.length / 8);
    const groups: number[] = [];
    const groupCount = new Map<number, number>();
    for (let i = 0; i < kids.length; i += size) {
      const node = reserve();
      parentOf.set(node, parent);
      const slice = kids.slice(i, i + size);
      groupCount.set(
        node,
        slice.reduce((a, k) => a + count(k), 0),
      );
      buildTree(slice, count, node);
      groups.push(node);
    }
    objects[parent - 1] =
      `<< /Type /Pages${parent === pagesObj ? '' : ` /Parent ${parentOf.get(parent)} 0 R`} /Kids [${groups.map((n) => `${n} 0 R`).join(' ')}] /Count ${kids.reduce((a, k) => a + count(k), 0)} >>`;
  };
  buildTree(pageObjs, () => 1, pagesObj);
  pageObjs.forEach((n) => {
    objects[n - 1] = objects[n - 1].replace(`/Parent ${pagesObj} 0 R`, `/Parent ${parentOf.get(n)} 0 R`);
  });

  let outlineRoot = 0;
  if (opts.outline?.length) {
    outlineRoot = reserve();
    const build = (items: TinyOutline[], parent: number): { first: number; last: number; count: number } => {
      const nums = items.map(() => reserve());
      let count = items.length;
      items.forEach((item, i) => {
        const kids = item.children?.length ? build(item.children, nums[i]) : null;
        if (kids) count += kids.count;
        const page = pageObjs[Math.min(Math.max(item.page, 1), pageObjs.length) - 1];
        objects[nums[i] - 1] =
          `<< /Title ${utf16(item.title)} /Parent ${parent} 0 R /Dest [${page} 0 R /Fit]` +
          (i > 0 ? ` /Prev ${nums[i - 1]} 0 R` : '') +
          (i < nums.length - 1 ? ` /Next ${nums[i + 1]} 0 R` : '') +
          (kids ? ` /First ${kids.first} 0 R /Last ${kids.last} 0 R /Count ${kids.count}` : '') +
          ' >>';
      });
      return { first: nums[0], last: nums[nums.length - 1], count };
    };
    const top = build(opts.outline, outlineRoot);
    objects[outlineRoot - 1] = `<< /Type /Outlines /First ${top.first} 0 R /Last ${top.last} 0 R /Count ${top.count} >>`;
  }
  objects[catalog - 1] =
    `<< /Type /Catalog /Pages ${pagesObj} 0 R${outlineRoot ? ` /Outlines ${outlineRoot} 0 R /PageMode /UseOutlines` : ''} >>`;

  let info = 0;
  if (opts.title) {
    add(`<< /Title ${utf16(opts.title)} /Producer (tiny-pdf) >>`);
    info = objects.length;
  }

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R${info ? ` /Info ${info} 0 R` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      if ((line + ' ' + word).trim().length > width) {
        out.push(line);
        line = word;
      } else line = (line + ' ' + word).trim();
    }
    out.push(line);
  }
  return out;
}
