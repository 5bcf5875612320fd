import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/** The search page on the very first day (no book, so no index yet) and while Meilisearch is down. */
describe('search before the first book', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env.cleanup());

  it('answers an empty result, not an error', async () => {
    const page = await request(env.app).get('/tim-kiem').query({ q: 'truyện kiều', category: 'lich-su', sort: 'newest' }).expect(200);
    expect(page.text).toContain('Chưa tìm thấy sách nào cho “truyện kiều”');
    const api = await request(env.app).get('/api/search').query({ q: 'lich su', language: 'vi' }).expect(200);
    expect(api.body).toMatchObject({ totalBooks: 0, totalPassages: 0, books: [], passages: [] });
    const suggest = await request(env.app).get('/api/search/suggest').query({ q: 'kieu' }).expect(200);
    expect(suggest.body).toEqual({ suggestions: [] });
  });
});

describe('search while Meilisearch is unreachable', () => {
  let env: TestEnv;
  beforeAll(async () => {
    // Nothing listens on this port: every search call fails to connect.
    env = await createTestEnv({ search: { url: `http://127.0.0.1:${await freePort()}`, masterKey: '' } });
  });
  afterAll(() => env.cleanup());

  it('tells the reader in Vietnamese to try again, with 503 and Retry-After', async () => {
    const page = await request(env.app).get('/tim-kiem').query({ q: 'lịch sử' }).expect(503);
    expect(page.headers['retry-after']).toBe('30');
    expect(page.text).toContain('Tìm kiếm đang tạm gián đoạn');
    const api = await request(env.app).get('/api/search').query({ q: 'lich su' }).expect(503);
    expect(api.body.error.code).toBe('search_unavailable');
  });

  it('still serves the home page and categories from the database', async () => {
    await request(env.app).get('/').expect(200);
  });
});
