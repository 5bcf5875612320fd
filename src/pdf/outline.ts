import type { PDFDocumentProxy } from './pdfjs.ts';

export interface OutlineNode {
  title: string;
  /** 1-based; null when the entry points nowhere we can resolve (a URL, a broken destination). */
  pageNumber: number | null;
  children: OutlineNode[];
}

/** Bounds for hostile or broken files; real books stay far below (the corpus maximum is 240 entries). */
const MAX_NODES = 5000;
const MAX_DEPTH = 16;

type RawOutline = Awaited<ReturnType<PDFDocumentProxy['getOutline']>>;
type RawItem = NonNullable<RawOutline>[number];

/**
 * The bookmarks as a tree with page numbers. Named destinations (thinkpython's "#page" names)
 * are looked up with getDestination; explicit ones carry a page reference (or, in some
 * generators, a page index) that getPageIndex turns into a number. One bad entry only loses its
 * own page number, and a broken outline as a whole yields an empty one: neither fails the book.
 */
export async function readOutline(doc: PDFDocumentProxy): Promise<OutlineNode[]> {
  let raw: RawOutline;
  try {
    raw = await doc.getOutline();
  } catch {
    return [];
  }
  const pageIndexCache = new Map<string, number | null>();
  let budget = MAX_NODES;

  const convert = async (items: RawItem[] | undefined, depth: number): Promise<OutlineNode[]> => {
    const nodes: OutlineNode[] = [];
    for (const item of items ?? []) {
      if (budget-- <= 0) break;
      nodes.push({
        title: cleanTitle(item.title),
        pageNumber: await resolvePage(doc, item.dest, pageIndexCache),
        children: depth < MAX_DEPTH ? await convert(item.items, depth + 1) : [],
      });
    }
    return nodes;
  };
  return convert(raw ?? [], 1);
}

export function countOutline(nodes: readonly OutlineNode[]): number {
  return nodes.reduce((n, node) => n + 1 + countOutline(node.children), 0);
}

async function resolvePage(doc: PDFDocumentProxy, dest: RawItem['dest'], cache: Map<string, number | null>): Promise<number | null> {
  try {
    const explicit = typeof dest === 'string' ? await doc.getDestination(dest) : dest;
    if (!Array.isArray(explicit) || explicit.length === 0) return null;
    const target: unknown = explicit[0];
    if (typeof target === 'number') {
      return Number.isInteger(target) && target >= 0 && target < doc.numPages ? target + 1 : null;
    }
    if (!isRef(target)) return null;
    const key = `${target.num}R${target.gen}`;
    if (!cache.has(key)) {
      cache.set(
        key,
        await doc.getPageIndex(target).then(
          (i) => i + 1,
          () => null,
        ),
      );
    }
    return cache.get(key) ?? null;
  } catch {
    return null;
  }
}

function isRef(value: unknown): value is { num: number; gen: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'num' in value &&
    typeof value.num === 'number' &&
    'gen' in value &&
    typeof value.gen === 'number'
  );
}

function cleanTitle(title: unknown): string {
  if (typeof title !== 'string') return '';
  return title
    .replace(/[\p{Cc}\uFEFF]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .normalize('NFC');
}
