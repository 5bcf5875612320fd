import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { routePattern } from '../../../src/http/request-log.ts';

const req = (fields: Record<string, unknown>) => fields as unknown as IncomingMessage;

describe('routePattern: what the request log says instead of the URL', () => {
  it('joins the mount path and the route, without the query string', () => {
    expect(routePattern(req({ originalUrl: '/doc/12?q=bí mật', baseUrl: '', route: { path: '/doc/:id' } }))).toBe('/doc/:id');
    expect(routePattern(req({ originalUrl: '/admin/books/7/publish', baseUrl: '/admin/books', route: { path: '/:id/publish' } }))).toBe(
      '/admin/books/:id/publish',
    );
    expect(routePattern(req({ originalUrl: '/dat-mat-khau/abcdef123', baseUrl: '', route: { path: '/dat-mat-khau/:token' } }))).toBe(
      '/dat-mat-khau/:token',
    );
  });

  it('marks a pattern whose mount prefix was lost on the error path instead of guessing it from the URL', () => {
    expect(routePattern(req({ originalUrl: '/admin/books/7/publish', baseUrl: '', route: { path: '/:id/publish' } }))).toBe(
      '…/:id/publish',
    );
  });

  it('never falls back to the URL', () => {
    expect(routePattern(req({ originalUrl: '/static/js/site.js?v=3' }))).toBe('/static/*');
    expect(routePattern(req({ originalUrl: '/khong-co/secret-token?x=1' }))).toBe('(unmatched)');
  });
});
