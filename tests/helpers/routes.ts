import type { App } from '../../src/app.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export interface RouteCase {
  method: Method;
  path: string;
}

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every route createApp registered (public routers and admin routers with their mount paths),
 * route parameters filled with `1`. Sweeping tests use it so that a new route cannot be forgotten.
 */
export function allRoutes(app: App): RouteCase[] {
  const mounts = new Map<unknown, string>(app.adminRouters.map((r) => [r.router, r.mountPath]));
  mounts.set(app.cityRouter, '/thanh-pho');
  const out: RouteCase[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string') continue;
        const sub = layer.route.path === '/' && prefix ? '' : layer.route.path;
        const path = `${prefix}${sub}`.replace(/:[a-zA-Z]+(\([^)]*\))?/g, '1') || '/';
        for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push({ method: m as Method, path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, mounts.get(layer.handle) ?? prefix);
      }
    }
  };
  walk((app.router as unknown as { stack: Layer[] }).stack, '');
  // One library's site is mounted through a small dispatcher (at / and /:librarySlug): walk it as at /.
  walk((app.siteRouter as unknown as { stack: Layer[] }).stack, '');
  walk((app.searchApiRouter as unknown as { stack: Layer[] }).stack, '');
  return out;
}
