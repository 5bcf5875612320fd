import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeilisearchRequestError } from 'meilisearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/infra/logger.ts';
import { connectSearch } from '../../../src/infra/search-client.ts';

/**
 * Meilisearch writes a compressed response's headers and body in two TCP segments with Nagle's
 * algorithm on; on a kept-alive connection the body then waits ~40 ms for a delayed ACK. Our client
 * must therefore ask for uncompressed responses, on every request (the latency itself is measured
 * by `npm run bench:search`, not here).
 */
describe('search client', () => {
  const seen: Array<{ method: string; url: string; acceptEncoding: string | undefined }> = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, acceptEncoding: req.headers['accept-encoding'] });
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/health') res.end(JSON.stringify({ status: 'available' }));
        else if (req.url === '/multi-search') res.end(JSON.stringify({ results: [] }));
        else if (req.url?.startsWith('/keys/')) res.end(JSON.stringify({ key: 'scoped-key' }));
        else res.writeHead(404).end(JSON.stringify({ message: 'not found', code: 'not_found', type: 'invalid_request', link: '' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks Meilisearch for uncompressed responses, also when deriving the scoped key', async () => {
    const search = await connectSearch({ url, masterKey: 'master', prefix: 't_', log: createLogger('silent') });
    expect(await search.isHealthy()).toBe(true);
    await search.client.multiSearch({ queries: [{ indexUid: search.indexName('books'), q: 'truyện kiều' }] });
    expect(seen.map((r) => `${r.method} ${r.url.replace(/\/keys\/.*/, '/keys/…')}`)).toEqual([
      'GET /keys/…',
      'GET /health',
      'POST /multi-search',
    ]);
    for (const request of seen) expect(request.acceptEncoding).toBe('identity');
  });

  it("sends readers' searches through its node:http transport: same headers, parsed replies, errors with Meilisearch's code", async () => {
    const search = await connectSearch({ url, apiKey: 'scoped-key', prefix: 't_', log: createLogger('silent') });
    seen.length = 0;
    const res = await search.searcher.multiSearch({ queries: [{ indexUid: search.indexName('books'), q: 'truyện kiều' }] });
    expect(res).toEqual({ results: [] });
    expect(seen).toEqual([{ method: 'POST', url: '/multi-search', acceptEncoding: 'identity' }]);
    const err = await search.searcher
      .index('t_missing')
      .search('x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeilisearchRequestError);
    expect(String((err as Error).cause)).toContain('404 not_found');
  });
});
