import type { BookCard } from './public.repository.ts';
import { links } from './public.service.ts';

/**
 * OPDS 1.2 (Atom) documents for reading apps (KOReader, Moon+ Reader, Thorium).
 * Spec: https://specs.opds.io/opds-1.2 — navigation feeds list other feeds, acquisition feeds list
 * books; a book gets an acquisition link only when its consent allows downloads.
 */

export const NAV_TYPE = 'application/atom+xml;profile=opds-catalog;kind=navigation';
export const ACQ_TYPE = 'application/atom+xml;profile=opds-catalog;kind=acquisition';
export const REL = {
  acquisition: 'http://opds-spec.org/acquisition/open-access',
  image: 'http://opds-spec.org/image',
  thumbnail: 'http://opds-spec.org/image/thumbnail',
  sortNew: 'http://opds-spec.org/sort/new',
  sortPopular: 'http://opds-spec.org/sort/popular',
} as const;

export const xml = (s: string) =>
  s
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // Characters XML 1.0 forbids (extracted PDF metadata sometimes carries them): C0 controls
    // other than tab, newline and carriage return (DEL and C1 are allowed), U+FFFE and U+FFFF.
    .replace(/(?![\t\n\r\u007F-\u009F])\p{Cc}|[\uFFFE\uFFFF]/gu, '');

export interface Link {
  rel: string;
  href: string;
  type: string;
  title?: string;
  count?: number;
}

const link = (l: Link, base: string) =>
  `<link rel="${xml(l.rel)}" href="${xml(base + l.href)}" type="${xml(l.type)}"${l.title ? ` title="${xml(l.title)}"` : ''}${l.count !== undefined ? ` thr:count="${l.count}"` : ''}/>`;

export interface NavEntry {
  id: string;
  title: string;
  content: string;
  updated: Date;
  link: Link;
}

export interface FeedInput {
  base: string;
  id: string;
  title: string;
  updated: Date;
  selfHref: string;
  kind: 'navigation' | 'acquisition';
  links?: Link[];
  author: string;
  /** Title of the "read online" link of books that cannot be downloaded. */
  readOnline: string;
}

/**
 * A feed or entry id: a URN whose variable part is percent-encoded, so a search for "dế mèn" gives
 * "urn:thu-vien-so:search:d%E1%BA%BF%20m%C3%A8n" — a valid URI (Atom requires one), not text with spaces.
 */
export function urn(...parts: string[]): string {
  return ['urn:thu-vien-so', ...parts.map((p) => encodeURIComponent(p))].join(':');
}

function head(f: FeedInput): string {
  const selfType = f.kind === 'navigation' ? NAV_TYPE : ACQ_TYPE;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/terms/" xmlns:opds="http://opds-spec.org/2010/catalog" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:thr="http://purl.org/syndication/thread/1.0">',
    `<id>${xml(f.id)}</id>`,
    `<title>${xml(f.title)}</title>`,
    `<updated>${f.updated.toISOString()}</updated>`,
    `<author><name>${xml(f.author)}</name><uri>${xml(f.base + '/')}</uri></author>`,
    link({ rel: 'self', href: f.selfHref, type: selfType }, f.base),
    link({ rel: 'start', href: '/opds', type: NAV_TYPE }, f.base),
    link({ rel: 'search', href: '/opds/opensearch.xml', type: 'application/opensearchdescription+xml' }, f.base),
    ...(f.links ?? []).map((l) => link(l, f.base)),
  ].join('\n');
}

export function navigationFeed(f: FeedInput, entries: NavEntry[]): string {
  const body = entries.map(
    (e) =>
      `<entry><title>${xml(e.title)}</title><id>${xml(e.id)}</id><updated>${e.updated.toISOString()}</updated><content type="text">${xml(e.content)}</content>${link(e.link, f.base)}</entry>`,
  );
  return `${head(f)}\n${body.join('\n')}\n</feed>\n`;
}

export interface AcquisitionBook extends BookCard {
  allowDownload: boolean;
}

/**
 * `paging`: OpenSearch counts — `perPage` is the page size the feed was cut with (not the number of
 * entries on this page, which is smaller on the last one), `startIndex` is 1-based.
 */
export function acquisitionFeed(f: FeedInput, books: AcquisitionBook[], paging?: { total: number; perPage: number; page: number }): string {
  const extra = paging
    ? `<opensearch:totalResults>${paging.total}</opensearch:totalResults><opensearch:itemsPerPage>${paging.perPage}</opensearch:itemsPerPage><opensearch:startIndex>${(paging.page - 1) * paging.perPage + 1}</opensearch:startIndex>`
    : '';
  const entries = books.map((b) => bookEntry(b, f.base, f.updated, f.readOnline));
  return `${head(f)}\n${extra}\n${entries.join('\n')}\n</feed>\n`;
}

function bookEntry(b: AcquisitionBook, base: string, fallbackUpdated: Date, readOnline: string): string {
  const parts = [
    `<entry>`,
    `<title>${xml(b.title)}</title>`,
    `<id>urn:thu-vien-so:book:${b.id}</id>`,
    `<updated>${(b.publishedAt ?? fallbackUpdated).toISOString()}</updated>`,
    ...b.authors.map((a) => `<author><name>${xml(a.name)}</name><uri>${xml(base + links.author(a.slug))}</uri></author>`),
    `<dc:language>${xml(b.language)}</dc:language>`,
    b.year ? `<dc:issued>${b.year}</dc:issued>` : '',
    ...b.categories.map((c) => `<category scheme="${xml(base + '/the-loai')}" term="${xml(c.slug)}" label="${xml(c.name)}"/>`),
    b.description ? `<summary type="text">${xml(b.description.slice(0, 1000))}</summary>` : '',
  ];
  // A book without download consent has no acquisition link; its way in is reading online, so its
  // text/html alternate (Atom allows one per type) is the reader and the book page is "related".
  if (b.allowDownload) parts.push(link({ rel: 'alternate', href: links.book(b), type: 'text/html' }, base));
  else {
    parts.push(link({ rel: 'alternate', href: links.reader(b.id), type: 'text/html', title: readOnline }, base));
    parts.push(link({ rel: 'related', href: links.book(b), type: 'text/html' }, base));
  }
  if (b.hasCover) {
    parts.push(link({ rel: REL.image, href: links.cover(b, 400, 'jpg'), type: 'image/jpeg' }, base));
    parts.push(link({ rel: REL.thumbnail, href: links.cover(b, 200, 'jpg'), type: 'image/jpeg' }, base));
  }
  if (b.allowDownload) parts.push(link({ rel: REL.acquisition, href: links.pdf(b.id), type: 'application/pdf' }, base));
  parts.push('</entry>');
  return parts.filter(Boolean).join('');
}

export function openSearchDescription(base: string, name: string, description: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">',
    `<ShortName>${xml(name)}</ShortName>`,
    `<Description>${xml(description)}</Description>`,
    '<InputEncoding>UTF-8</InputEncoding><OutputEncoding>UTF-8</OutputEncoding>',
    `<Url type="${ACQ_TYPE}" template="${xml(base)}/opds/tim?q={searchTerms}&amp;trang={startPage?}"/>`,
    '</OpenSearchDescription>',
  ].join('\n');
}
