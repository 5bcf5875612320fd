import http from 'node:http';
import https from 'node:https';

/**
 * The HTTP transport of the searches readers wait for (multi-search, search): node:http over
 * kept-alive sockets with Nagle's algorithm off, instead of Node's fetch. Measured on the corpus
 * (issue 12), fetch's own machinery (Request/Headers objects, web streams, a separate writev for the
 * body) cost ~1 ms of CPU per search on top of Meilisearch's 5–9 ms, a large part of the 1.5×
 * budget. The request is written in one piece and the reply read as one buffer.
 *
 * It is the `httpClient` hook of the meilisearch client, whose contract is "resolve the parsed
 * body": a non-2xx reply rejects with an Error naming Meilisearch's code (the client wraps it in a
 * MeilisearchRequestError). Only searches use it: the admin side, which tells a missing index
 * (MeilisearchApiError 404) from other errors, stays on the client's fetch.
 */
export function nodeHttpTransport(): (input: string | URL | Request, init?: RequestInit) => Promise<unknown> {
  // One pool per scheme; sockets stay open between searches and are re-used most recently first.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo', noDelay: true }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo', noDelay: true }),
  };
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const body = typeof init.body === 'string' ? init.body : undefined;
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const lib = url.protocol === 'https:' ? https : http;
      const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
      const req = lib.request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch (err) {
            return reject(new Error(`Meilisearch replied ${res.statusCode} with a body that is not JSON`, { cause: err }));
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed);
          const code = (parsed as { code?: string } | undefined)?.code ?? 'unknown';
          const message = (parsed as { message?: string } | undefined)?.message ?? res.statusMessage;
          reject(Object.assign(new Error(`Meilisearch ${status} ${code}: ${message}`), { status, code }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
}
