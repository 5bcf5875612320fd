import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { translator, type Lang } from '../../http/i18n/index.ts';

/** The web app manifest: installable from the browser menu, opens on the home page. */
export function webManifest(lang: Lang) {
  const t = translator(lang);
  return {
    name: t('app.name'),
    short_name: t('app.name'),
    description: t('app.tagline'),
    lang,
    start_url: '/?nguon=app',
    scope: '/',
    display: 'standalone',
    background_color: '#ffffff',
    theme_color: '#b3261e',
    icons: [
      { src: '/static/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/static/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/static/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: '/static/icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
    ],
  };
}

/**
 * The service worker with its cache version set to a hash of the files it caches, so a deploy
 * that changes any of them replaces the caches on the readers' phones (the worker itself is
 * served with no-cache, and a changed byte makes the browser install the new one).
 */
export function serviceWorkerSource(root: string): string {
  const source = fs.readFileSync(path.join(root, 'static/js/sw.js'), 'utf8');
  const hash = crypto.createHash('sha256');
  for (const dir of ['static/js', 'static/css', 'static/reader']) {
    for (const name of fs.readdirSync(path.join(root, dir)).sort()) hash.update(name).update(fs.readFileSync(path.join(root, dir, name)));
  }
  hash.update(String((createRequire(import.meta.url)('pdfjs-dist/package.json') as { version: string }).version));
  return source.replace(/const VERSION = '[^']*';/, `const VERSION = '${hash.digest('hex').slice(0, 12)}';`);
}
