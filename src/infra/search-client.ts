import crypto from 'node:crypto';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';
import type { Logger } from './logger.ts';
import { nodeHttpTransport } from './search-transport.ts';

/**
 * The application's handle on Meilisearch: a client that uses a key scoped to our own indexes
 * (never the master key when we can avoid it) and names every index with the configured prefix,
 * so tests and several libraries can share one server.
 */
export interface SearchClient {
  /** Everything: indexes, settings, documents, tasks (errors are MeilisearchApiError). */
  readonly client: Meilisearch;
  /**
   * Readers' searches only (multiSearch, index().search): the same server and key over a leaner
   * transport (search-transport.ts). Its errors are MeilisearchRequestError, whatever the status.
   */
  readonly searcher: Meilisearch;
  readonly url: string;
  readonly prefix: string;
  indexName(name: string): string;
  isHealthy(): Promise<boolean>;
}

/**
 * Ask Meilisearch for uncompressed responses. Node's fetch asks for gzip by default; Meilisearch then
 * writes the response headers and the compressed body in two TCP segments on a socket that has
 * Nagle's algorithm on, so on a kept-alive connection the body waits for our ACK of the headers,
 * which Linux delays by ~40 ms (delayed ACK): /api/search took 48 ms for a 7 ms search. Plain
 * responses go out in one segment, and compressing a few kilobytes on loopback or a LAN buys nothing.
 * tests/unit/infra/search-client.test.ts checks the header; `npm run bench:search` shows the latency.
 */
export const MEILISEARCH_REQUEST_HEADERS = { 'Accept-Encoding': 'identity' } as const;

const SCOPED_ACTIONS = ['search', 'documents.*', 'indexes.*', 'settings.*', 'tasks.*', 'stats.*', 'version'];

/** A stable UUID per prefix, so restarts reuse the same key instead of piling up new ones. */
function keyUid(prefix: string): string {
  const h = crypto.createHash('sha256').update(`thu-vien-so:${prefix}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function scopedKey(url: string, masterKey: string, prefix: string, log: Logger): Promise<string> {
  const admin = new Meilisearch({ host: url, apiKey: masterKey, requestInit: { headers: MEILISEARCH_REQUEST_HEADERS } });
  const uid = keyUid(prefix);
  try {
    return (await admin.getKey(uid)).key;
  } catch (err) {
    if (!(err instanceof MeilisearchApiError) || err.response.status !== 404) throw err;
  }
  try {
    const created = await admin.createKey({
      uid,
      name: `thu-vien-so ${prefix || '(no prefix)'}`,
      description: 'Used by the Thư viện số server; limited to its own indexes.',
      actions: SCOPED_ACTIONS as never,
      indexes: [`${prefix}*`],
      expiresAt: null,
    });
    log.info({ uid }, 'created a scoped Meilisearch key for this library');
    return created.key;
  } catch (err) {
    // Another app instance starting at the same moment created it first (same uid): use that one.
    const taken = err instanceof MeilisearchApiError && (err.response.status === 409 || err.cause?.code === 'api_key_already_exists');
    if (taken) return (await admin.getKey(uid)).key;
    throw err;
  }
}

export async function connectSearch(opts: {
  url: string;
  masterKey?: string;
  apiKey?: string;
  prefix: string;
  log: Logger;
}): Promise<SearchClient> {
  const { url, prefix, log } = opts;
  let apiKey = opts.apiKey;
  if (!apiKey && opts.masterKey) apiKey = await scopedKey(url, opts.masterKey, prefix, log);
  if (!apiKey) log.warn('MEILI_API_KEY/MEILI_MASTER_KEY not set: talking to Meilisearch without a key');
  const requestInit = { headers: MEILISEARCH_REQUEST_HEADERS };
  const client = new Meilisearch({ host: url, apiKey, timeout: 10_000, requestInit });
  const searcher = new Meilisearch({ host: url, apiKey, timeout: 10_000, requestInit, httpClient: nodeHttpTransport() });
  return {
    client,
    searcher,
    url,
    prefix,
    indexName: (name) => `${prefix}${name}`,
    isHealthy: () => client.isHealthy(),
  };
}
