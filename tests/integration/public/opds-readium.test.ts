import { createRequire } from 'node:module';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKS_PER_PAGE } from '../../../src/features/search/search-query.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { gateAllowing } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * The OPDS feeds read by Readium's own OPDS 1 parser (r2-opds-js, what Thorium uses) and checked
 * structurally as Atom: ids are URIs, OpenSearch counts are right, and a book that may not be
 * downloaded is an entry without acquisition whose text/html alternate opens the online reader.
 */
const require = createRequire(import.meta.url);
type Dom = { documentElement: XmlEl };
interface XmlEl {
  localName: string;
  namespaceURI: string | null;
  textContent: string | null;
  childNodes: ArrayLike<XmlEl & { nodeType: number }>;
  getAttribute(name: string): string | null;
}
const xmldom = require('@xmldom/xmldom') as { DOMParser: new (opts?: object) => { parseFromString(s: string, t: string): Dom } };

interface R2 {
  parse(xml: string): {
    Id: string;
    OpensearchTotalResults?: number;
    OpensearchItemsPerPage?: number;
    Entries: Array<{ Id: string; Title: string; Links?: Array<{ Rel: string; Type: string; Href: string }> }>;
  };
  toOpds2(feed: unknown): {
    Publications?: Array<{ Metadata: { Title: unknown }; Links?: Array<{ Rel: string[]; TypeLink: string; Href: string }> }>;
  };
}

/** Readium's parser, or why it cannot load here (its package asks for Node ≥ 22; we run on ≥ 20.19). */
function loadR2(): { r2: R2 | null; why: string | null } {
  try {
    const { OPDS } = require('r2-opds-js/dist/es8-es2017/src/opds/opds1/opds');
    const { convertOpds1ToOpds2 } = require('r2-opds-js/dist/es8-es2017/src/opds/converter');
    const { initGlobalConverters_OPDS } = require('r2-opds-js/dist/es8-es2017/src/opds/init-globals');
    const { XML } = require('r2-utils-js/dist/es8-es2017/src/_utils/xml-js-mapper');
    initGlobalConverters_OPDS();
    return {
      r2: {
        parse: (xml) => XML.deserialize(new xmldom.DOMParser().parseFromString(xml, 'application/xml'), OPDS),
        toOpds2: (feed) => convertOpds1ToOpds2(feed),
      },
      why: null,
    };
  } catch (err) {
    return { r2: null, why: `r2-opds-js cannot load on Node ${process.version}: ${(err as Error).message}` };
  }
}
const { r2, why } = loadR2();
if (why) console.warn(`[skipped: Readium parser] ${why} — the Atom structure is still checked below`);

const ATOM = 'http://www.w3.org/2005/Atom';
const OS = 'http://a9.com/-/spec/opensearch/1.1/';
let env: TestEnv;
let free: FixtureBook;
let readOnly: FixtureBook;
const many: FixtureBook[] = [];

beforeAll(async () => {
  // Download consent: every book but `readOnly` (the consent rules themselves are tested elsewhere).
  env = await createTestEnv({ publishGate: gateAllowing({ noDownload: (id) => id === readOnly?.id }) });
  free = await createBook(env.ctx, { title: 'Dế Mèn phiêu lưu ký', authors: ['Tô Hoài'], categories: ['thieu-nhi'], pages: pagesWith(3) });
  readOnly = await createBook(env.ctx, { title: 'Dế Mèn và những người bạn', categories: ['thieu-nhi'], pages: pagesWith(3) });
  for (let i = 1; i <= BOOKS_PER_PAGE + 2; i++)
    many.push(await createBook(env.ctx, { title: `Ca dao tục ngữ tập ${i}`, categories: ['van-hoc-viet-nam'], pages: pagesWith(2) }));
});
afterAll(() => env.cleanup());

const children = (el: XmlEl, ns: string, name: string) =>
  Array.from(el.childNodes).filter((n) => n.nodeType === 1 && n.namespaceURI === ns && n.localName === name);
const one = (el: XmlEl, ns: string, name: string) => {
  const found = children(el, ns, name);
  expect(found, `exactly one <${name}>`).toHaveLength(1);
  return found[0].textContent ?? '';
};
function isUri(s: string): boolean {
  if (/\s/.test(s)) return false;
  try {
    return new URL(s).protocol.length > 1;
  } catch {
    return false;
  }
}

/** Atom (RFC 4287) as OPDS 1.2 needs it: one id/title/updated per feed and entry, ids and hrefs are URIs. */
function checkAtom(xml: string): { feed: XmlEl; entries: XmlEl[] } {
  const errors: string[] = [];
  const dom = new xmldom.DOMParser({ onError: (level: string, msg: string) => errors.push(`${level}: ${msg}`) }).parseFromString(
    xml,
    'application/xml',
  );
  expect(errors).toEqual([]);
  const feed = dom.documentElement;
  expect([feed.namespaceURI, feed.localName]).toEqual([ATOM, 'feed']);
  for (const el of [feed, ...children(feed, ATOM, 'entry')]) {
    expect(isUri(one(el, ATOM, 'id')), `id ${one(el, ATOM, 'id')} is a URI`).toBe(true);
    one(el, ATOM, 'title');
    expect(Number.isNaN(Date.parse(one(el, ATOM, 'updated')))).toBe(false);
    for (const l of children(el, ATOM, 'link')) {
      expect(isUri(l.getAttribute('href') ?? ''), `href ${l.getAttribute('href')}`).toBe(true);
      expect(l.getAttribute('rel')).toBeTruthy();
      expect(l.getAttribute('type')).toBeTruthy();
    }
  }
  return { feed, entries: children(feed, ATOM, 'entry') };
}

const get = async (path: string) => (await request(env.app).get(path).expect(200)).text;
const entryOf = (entries: XmlEl[], id: number) => entries.find((e) => one(e, ATOM, 'id') === `urn:thu-vien-so:book:${id}`)!;
const linksOf = (e: XmlEl) =>
  children(e, ATOM, 'link').map((l) => ({ rel: l.getAttribute('rel'), type: l.getAttribute('type'), href: l.getAttribute('href') }));

describe('OPDS feeds as Atom and as Readium reads them', () => {
  it('a search feed has a URI for its id and honest OpenSearch counts, page by page', async () => {
    const page1 = await get('/opds/tim?q=ca%20dao');
    const { feed, entries } = checkAtom(page1);
    expect(one(feed, ATOM, 'id')).toBe('urn:thu-vien-so:search:ca%20dao');
    expect(entries).toHaveLength(BOOKS_PER_PAGE);
    expect([one(feed, OS, 'totalResults'), one(feed, OS, 'itemsPerPage'), one(feed, OS, 'startIndex')]).toEqual([
      String(many.length),
      String(BOOKS_PER_PAGE),
      '1',
    ]);
    const next = linksOf(feed).find((l) => l.rel === 'next')!;
    const page2 = await get(new URL(next.href!).pathname + new URL(next.href!).search);
    const p2 = checkAtom(page2);
    expect(p2.entries).toHaveLength(many.length - BOOKS_PER_PAGE);
    // itemsPerPage is the page size, not the 2 entries left on the last page.
    expect([one(p2.feed, OS, 'itemsPerPage'), one(p2.feed, OS, 'startIndex')]).toEqual([
      String(BOOKS_PER_PAGE),
      String(BOOKS_PER_PAGE + 1),
    ]);
    expect(linksOf(p2.feed).some((l) => l.rel === 'next')).toBe(false);

    const accents = checkAtom(await get('/opds/tim?q=d%E1%BA%BF%20m%C3%A8n'));
    expect(one(accents.feed, ATOM, 'id')).toBe(`urn:thu-vien-so:search:${encodeURIComponent('dế mèn')}`);

    if (r2) {
      const parsed = r2.parse(page1);
      expect(parsed.Id).toBe('urn:thu-vien-so:search:ca%20dao');
      // Readium reads totalResults and itemsPerPage (it has no field for startIndex, checked above).
      expect([Number(parsed.OpensearchTotalResults), Number(parsed.OpensearchItemsPerPage)]).toEqual([many.length, BOOKS_PER_PAGE]);
      expect(parsed.Entries).toHaveLength(BOOKS_PER_PAGE);
    }
  });

  it('a book without download consent has no acquisition link and opens the online reader', async () => {
    for (const path of ['/opds/the-loai/thieu-nhi', '/opds/moi', '/opds/tim?q=d%E1%BA%BF%20m%C3%A8n']) {
      const xml = await get(path);
      const { feed, entries } = checkAtom(xml);
      if (path !== '/opds/moi') expect(one(feed, OS, 'itemsPerPage')).toBe(path.startsWith('/opds/tim') ? String(BOOKS_PER_PAGE) : '24');
      const ro = linksOf(entryOf(entries, readOnly.id));
      expect(
        ro.filter((l) => l.rel!.startsWith('http://opds-spec.org/acquisition')),
        path,
      ).toEqual([]);
      const alternate = ro.filter((l) => l.rel === 'alternate' && l.type === 'text/html');
      expect(alternate).toHaveLength(1);
      expect(new URL(alternate[0].href!).pathname).toBe(`/doc/${readOnly.id}`);
      const dl = linksOf(entryOf(entries, free.id));
      expect(dl.some((l) => l.rel === 'http://opds-spec.org/acquisition/open-access' && l.type === 'application/pdf')).toBe(true);

      if (r2) {
        // Readium keeps it a publication (not a navigation link) whose only way in is the reader.
        const pubs = r2.toOpds2(r2.parse(xml)).Publications ?? [];
        const pub = pubs.find((p) => JSON.stringify(p.Metadata.Title).includes('Dế Mèn và những người bạn'));
        expect(pub, `${path}: Readium lists the read-only book`).toBeDefined();
        const rels = (pub!.Links ?? []).flatMap((l) => l.Rel ?? []);
        expect(rels.some((r) => r.startsWith('http://opds-spec.org/acquisition'))).toBe(false);
        const reader = (pub!.Links ?? []).find((l) => l.Rel?.includes('alternate') && l.TypeLink === 'text/html');
        expect(new URL(reader!.Href).pathname).toBe(`/doc/${readOnly.id}`);
      }
    }
  });

  it('every feed of the catalogue is well-formed Atom with URI ids', async () => {
    const root = checkAtom(await get('/opds'));
    expect(root.entries.length).toBeGreaterThan(2);
    for (const path of ['/opds/moi', '/opds/pho-bien', '/opds/the-loai/van-hoc-viet-nam', '/opds/tim?q=']) checkAtom(await get(path));
  });
});
