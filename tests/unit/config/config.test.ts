import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

describe('config', () => {
  it('has working defaults for a fresh machine', () => {
    const c = loadConfig({}, '/srv/lib');
    expect(c.port).toBe(3000);
    expect(c.storageDir).toBe('/srv/lib/storage');
    expect(c.database.url).toBeUndefined();
    expect(c.search.url).toBeUndefined();
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
    expect(c.session.cookieSecure).toBe(false);
    expect(c.uploads.maxBytes).toBe(200 * 1024 * 1024);
    expect(c.env).toBe('production'); // a forgotten NODE_ENV must not make a public server chattier
    expect(c.pageCache.maxBytes).toBe(2048 * 1024 * 1024);
    expect(loadConfig({ PAGE_CACHE_MB: '500' }).pageCache.maxBytes).toBe(500 * 1024 * 1024);
    expect(c.ocr).toEqual({ enabled: true, concurrency: 1, dpi: 300 });
  });

  it('reads LIBRARY_HOSTS as host → library slug, and names the variable when a pair is malformed', () => {
    expect(loadConfig({}).libraryHosts.size).toBe(0);
    const hosts = loadConfig({ LIBRARY_HOSTS: 'Phuong1.Example.vn=phuong-1, thuvien.xa-a.vn=xa-a' }).libraryHosts;
    expect([...hosts]).toEqual([
      ['phuong1.example.vn', 'phuong-1'],
      ['thuvien.xa-a.vn', 'xa-a'],
    ]);
    for (const bad of ['phuong1.example.vn', 'a.vn=Phường 1', 'a.vn=-x', 'a b=x'])
      expect(() => loadConfig({ LIBRARY_HOSTS: bad }), bad).toThrow(/LIBRARY_HOSTS/);
  });

  it('reads the OCR switch, concurrency and resolution', () => {
    expect(loadConfig({ OCR_ENABLED: 'false', OCR_CONCURRENCY: '2', OCR_DPI: '200' }).ocr).toEqual({
      enabled: false,
      concurrency: 2,
      dpi: 200,
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['MEILI_URL', 'not a url'],
    ['MEILI_MASTER_KEY', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['UPLOAD_MAX_MB', '-1'],
    ['PAGE_CACHE_MB', '5'],
    ['TRUST_PROXY', 'yes please!'],
    ['SEARCH_INDEX_PREFIX', 'Bad-Prefix'],
    ['SESSION_SECRET', 'too-short'],
    ['OCR_ENABLED', 'maybe'],
    ['OCR_CONCURRENCY', '0'],
    ['OCR_DPI', '1200'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
  });

  it('treats an empty value as unset and derives secure cookies from an https public address', () => {
    const c = loadConfig({ DATABASE_URL: '', PUBLIC_BASE_URL: 'https://thuvien.example.vn/', TRUST_PROXY: '1' });
    expect(c.database.url).toBeUndefined();
    expect(c.publicBaseUrl).toBe('https://thuvien.example.vn');
    expect(c.session.cookieSecure).toBe(true);
    expect(c.trustProxy).toBe(1);
  });
});
