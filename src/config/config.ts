import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting the server reads, validated once at start-up.
 * Each variable is documented in the README's configuration table; keep the two in step.
 */
const boolFromEnv = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(p)), {
      message: `must start with ${protocols.join(' or ')}`,
    })
    .optional();

const port = z.coerce.number().int().min(1).max(65535);

const envSchema = z.object({
  // Production unless said otherwise: a forgotten variable must not make a public server chattier.
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_BASE_URL: optionalUrl(['http://', 'https://']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STORAGE_DIR: z.string().min(1).default('storage'),
  DATABASE_URL: optionalUrl(['postgres://', 'postgresql://']),
  EMBEDDED_PG_PORT: port.default(54329),
  MEILI_URL: optionalUrl(['http://', 'https://']),
  MEILI_MASTER_KEY: z.string().min(16).optional(),
  MEILI_API_KEY: z.string().min(1).optional(),
  EMBEDDED_MEILI_PORT: port.default(7701),
  SEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'only lowercase letters, digits and _')
    .default('tvs_'),
  SESSION_SECRET: z.string().min(32).optional(),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      if (v === 'false' || v === '0' || v === '') return false;
      if (v === 'true') return true;
      if (/^\d+$/.test(v)) return Number(v);
      if (/^[a-z0-9.,:/ ]+$/i.test(v)) return v; // "loopback", CIDR lists …
      ctx.addIssue({ code: 'custom', message: 'must be false, true, a hop count or a list of addresses' });
      return z.NEVER;
    }),
  JOBS_CONCURRENCY: z.coerce.number().int().min(0).max(32).default(2),
  JOBS_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  UPLOAD_MAX_MB: z.coerce.number().int().min(1).max(2048).default(200),
  /** Disk budget for rendered page pictures (least recently used are removed beyond it). */
  PAGE_CACHE_MB: z.coerce.number().int().min(10).max(1_000_000).default(2048),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  DEFAULT_LANG: z.enum(['vi', 'en']).default('vi'),
  COOKIE_SECURE: boolFromEnv.optional(),
  OCR_ENABLED: boolFromEnv.default(true),
  OCR_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(1),
  OCR_DPI: z.coerce.number().int().min(100).max(600).default(300),
  /** `host=slug,host=slug`: host names that serve a library other than the default at `/` (issue 17). */
  LIBRARY_HOSTS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const map = new Map<string, string>();
      for (const pair of v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const m = /^([a-z0-9.-]+)=([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)$/i.exec(pair);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not host=slug` });
          return z.NEVER;
        }
        map.set(m[1].toLowerCase(), m[2].toLowerCase());
      }
      return map;
    }),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicBaseUrl: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  storageDir: string;
  database: { url: string | undefined; embeddedPort: number };
  search: {
    url: string | undefined;
    masterKey: string | undefined;
    apiKey: string | undefined;
    embeddedPort: number;
    indexPrefix: string;
  };
  session: { secret: string | undefined; cookieSecure: boolean };
  trustProxy: boolean | number | string;
  jobs: { concurrency: number; pollMs: number };
  uploads: { maxBytes: number };
  pageCache: { maxBytes: number };
  shutdownTimeoutMs: number;
  defaultLang: 'vi' | 'en';
  /** Text recognition of scanned/undecodable pages (issue 15): off switch, recognisers (threads), render resolution. */
  ocr: { enabled: boolean; concurrency: number; dpi: number };
  /** Host name (lower case) → slug of the library that host serves at `/` (issue 17). */
  libraryHosts: ReadonlyMap<string, string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses env into the one typed Config; an invalid value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(emptyToUndefined(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const storageDir = path.resolve(cwd, e.STORAGE_DIR);
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicBaseUrl,
    logLevel: e.LOG_LEVEL,
    storageDir,
    database: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT },
    search: {
      url: e.MEILI_URL,
      masterKey: e.MEILI_MASTER_KEY,
      apiKey: e.MEILI_API_KEY,
      embeddedPort: e.EMBEDDED_MEILI_PORT,
      indexPrefix: e.SEARCH_INDEX_PREFIX,
    },
    session: {
      secret: e.SESSION_SECRET,
      // Secure cookies whenever the public address is HTTPS, unless explicitly overridden.
      cookieSecure: e.COOKIE_SECURE ?? publicBaseUrl.startsWith('https://'),
    },
    trustProxy: e.TRUST_PROXY,
    jobs: { concurrency: e.JOBS_CONCURRENCY, pollMs: e.JOBS_POLL_MS },
    uploads: { maxBytes: e.UPLOAD_MAX_MB * 1024 * 1024 },
    pageCache: { maxBytes: e.PAGE_CACHE_MB * 1024 * 1024 },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    defaultLang: e.DEFAULT_LANG,
    ocr: { enabled: e.OCR_ENABLED, concurrency: e.OCR_CONCURRENCY, dpi: e.OCR_DPI },
    libraryHosts: e.LIBRARY_HOSTS,
  };
}

/** `FOO=` in a .env file means "not set", not "set to the empty string". */
function emptyToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) out[k] = v === '' ? undefined : v;
  return out;
}
