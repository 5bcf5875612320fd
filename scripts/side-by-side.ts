import http from 'node:http';

/**
 * Timing of the app's search beside the same multi-search sent straight to Meilisearch, shared by
 * bench:search and eval:search. Both sides go through one kept-alive node:http connection each:
 * Node's fetch asks for gzip, and Meilisearch's gzip replies stall ~40 ms on a delayed ACK (the
 * stall issue 12 removed from the app), which would make the raw side look as slow as a stalled app.
 */
export function httpTimer() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const run = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const headers = { ...init.headers, ...(init.body ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {}) };
      const req = http.request(url, { method: init.method ?? 'GET', agent, headers }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`HTTP ${res.statusCode} from ${url}`)),
        );
      });
      req.on('error', reject);
      req.end(init.body);
    });
  return { run, close: () => agent.destroy() };
}

/**
 * Runs every query through both sides `rounds` times after `warmup` untimed rounds, alternating
 * which side goes first so neither always benefits from a warm cache. `each` runs after every timed pair.
 */
export async function sideBySide(
  queries: string[],
  opts: { rounds: number; warmup: number },
  app: (q: string) => Promise<number>,
  direct: (q: string) => Promise<number>,
  each?: (q: string, round: number) => Promise<void>,
): Promise<{ app: number[]; direct: number[] }> {
  const out = { app: [] as number[], direct: [] as number[] };
  for (let round = -opts.warmup; round < opts.rounds; round++) {
    for (const q of queries) {
      let a: number;
      let d: number;
      if (round % 2) {
        a = await app(q);
        d = await direct(q);
      } else {
        d = await direct(q);
        a = await app(q);
      }
      if (round < 0) continue;
      out.app.push(a);
      out.direct.push(d);
      await each?.(q, round);
    }
  }
  return out;
}
