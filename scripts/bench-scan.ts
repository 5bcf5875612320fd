/**
 * npm run bench:scan — the QR scan endpoint under load, on loopback.
 *
 * 1. Throughput and p99 latency of GET /q/:code (the real app: cache lookup, buffered event,
 *    cookie, 302) side by side with a bare Express redirect, both served by the same child process
 *    and measured alternately in the same run. Goal: ≥ 0.7× the bare redirect's requests/second.
 * 2. Graceful stop (SIGTERM → AppContext.close flushes the buffer): stored scans must equal the
 *    302 responses received, exactly.
 * 3. kill -9 while under load: how many answered scans were lost (the buffer's loss window).
 *
 * Options: BENCH_REQUESTS per measured run (default 30000), BENCH_CONNECTIONS (default 50).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectSearch } from '../src/infra/search-client.ts';
import { benchContext } from './bench-stats.ts';

const PHONE_UA = 'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';

/** Child mode: serve the real app and a bare redirect on two loopback ports until SIGTERM. */
async function serve(databaseUrl: string): Promise<void> {
  const log = createLogger('warn', { bench: 'serve' });
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JOBS_CONCURRENCY: '0',
    STORAGE_DIR: process.env.BENCH_STORAGE ?? '/tmp',
  });
  const search = await connectSearch({ url: 'http://127.0.0.1:1', apiKey: 'unused', prefix: 'bench_', log });
  const ctx = createContext({ config, log, databaseUrl, search, sessionSecret: 'b'.repeat(48) });
  const app = createApp(ctx);
  const bare = express();
  bare.disable('x-powered-by');
  bare.get('/q/:code', (_req, res) => res.redirect(302, '/'));
  const servers = [app.listen(0, '127.0.0.1'), bare.listen(0, '127.0.0.1')];
  await Promise.all(servers.map((s) => once(s, 'listening')));
  const [scanPort, barePort] = servers.map((s) => (s.address() as AddressInfo).port);
  process.stdout.write(`${JSON.stringify({ scanPort, barePort })}\n`);
  process.once('SIGTERM', async () => {
    // The same order as main.ts: stop accepting, finish requests, then AppContext.close() flushes events.
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeIdleConnections();
          }),
      ),
    );
    await ctx.close();
    process.exit(0);
  });
}

function startChild(databaseUrl: string): Promise<{ child: ChildProcess; scanPort: number; barePort: number }> {
  // BENCH_NODE_ARGS: extra node flags for the server (e.g. --cpu-prof) when looking for hot spots.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', new URL(import.meta.url).pathname, '--serve'], {
    env: { ...process.env, BENCH_SERVE_DB: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{"scanPort"'));
      if (line) resolve({ child, ...(JSON.parse(line) as { scanPort: number; barePort: number }) });
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
}

interface Run {
  rps: number;
  p99: number;
  redirects: number;
  errors: number;
}

async function load(url: string, opts: { amount?: number; duration?: number; connections: number }): Promise<Run> {
  const r = await autocannon({
    url,
    connections: opts.connections,
    headers: { 'user-agent': PHONE_UA },
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
  });
  return { rps: r.requests.average, p99: r.latency.p99, redirects: r['3xx'], errors: r.errors + r.timeouts + r.non2xx - r['3xx'] };
}

const countScans = async (ctx: Awaited<ReturnType<typeof benchContext>>['ctx']) => ctx.repos.events.countEvents({ kind: 'scan' });

async function main(): Promise<void> {
  const amount = Number(process.env.BENCH_REQUESTS ?? 30_000);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  console.log(`bench:scan — ${amount.toLocaleString('en')} requests per run, ${connections} connections, loopback`);
  const bench = await benchContext();
  let child: ChildProcess | undefined;
  try {
    const loc = await bench.ctx.services.locations.create((await bench.ctx.services.libraries.defaultLibrary()).id, {
      name: 'Quán cà phê thử tải',
      kind: 'cafe',
      address: '',
      ward: '',
      note: null,
      contact: null,
    });

    // 1 + 2: throughput, then a graceful stop and an exact count.
    const first = await startChild(bench.databaseUrl);
    child = first.child;
    const { scanPort, barePort } = first;
    const scanUrl = `http://127.0.0.1:${scanPort}/q/${loc.code}`;
    const bareUrl = `http://127.0.0.1:${barePort}/q/${loc.code}`;
    let sent = 0;
    for (const url of [scanUrl, bareUrl]) {
      const warm = await load(url, { amount: 3000, connections }); // JIT, caches, pool
      if (url === scanUrl) sent += warm.redirects;
    }
    const runs: Record<'scan' | 'bare', Run[]> = { scan: [], bare: [] };
    for (let i = 0; i < 2; i++) {
      runs.bare.push(await load(bareUrl, { amount, connections }));
      const r = await load(scanUrl, { amount, connections });
      runs.scan.push(r);
      sent += r.redirects;
    }
    const avg = (rs: Run[], k: keyof Run) => rs.reduce((s, r) => s + r[k], 0) / rs.length;
    const ratio = avg(runs.scan, 'rps') / avg(runs.bare, 'rps');
    console.log(`\n  ${''.padEnd(24)} ${'req/s'.padStart(10)} ${'p99'.padStart(9)}`);
    console.log(
      `  ${'bare Express redirect'.padEnd(24)} ${Math.round(avg(runs.bare, 'rps')).toLocaleString('en').padStart(10)} ${`${avg(runs.bare, 'p99').toFixed(1)} ms`.padStart(9)}`,
    );
    console.log(
      `  ${'GET /q/:code (counted)'.padEnd(24)} ${Math.round(avg(runs.scan, 'rps')).toLocaleString('en').padStart(10)} ${`${avg(runs.scan, 'p99').toFixed(1)} ms`.padStart(9)}`,
    );
    console.log(`  ratio ${ratio.toFixed(2)}× the bare redirect (goal ≥ 0.70×): ${ratio >= 0.7 ? 'MET' : 'NOT MET'}`);
    if (runs.scan.some((r) => r.errors) || runs.bare.some((r) => r.errors)) console.log('  WARNING: some requests failed');

    child.kill('SIGTERM');
    await once(child, 'exit');
    const stored = await countScans(bench.ctx);
    console.log(
      `\n  graceful stop: ${sent.toLocaleString('en')} scans answered, ${stored.toLocaleString('en')} stored → ${stored === sent ? 'exact match' : `MISMATCH (${stored - sent})`}`,
    );

    // 3: kill -9 under load.
    const second = await startChild(bench.databaseUrl);
    child = second.child;
    const before = await countScans(bench.ctx);
    const running = load(`http://127.0.0.1:${second.scanPort}/q/${loc.code}`, { duration: 4, connections });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGKILL');
    const killed = await running;
    await new Promise((r) => setTimeout(r, 500));
    const storedAfterKill = (await countScans(bench.ctx)) - before;
    const lost = killed.redirects - storedAfterKill;
    const rate = killed.redirects / 2.5;
    console.log(
      `  kill -9 under load: ${killed.redirects.toLocaleString('en')} scans answered, ${storedAfterKill.toLocaleString('en')} stored, ` +
        `${lost.toLocaleString('en')} lost (≈ ${Math.round((lost / rate) * 1000)} ms of traffic; the window is the flush interval, 1 s by default)`,
    );
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await bench.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const run = process.argv.includes('--serve') ? serve(process.env.BENCH_SERVE_DB!) : main();
  run.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
