import { defineConfig } from 'vitest/config';

/**
 * One PostgreSQL and one Meilisearch for the whole run (tests/helpers/global-setup.ts);
 * each test file gets its own database and index prefix, so files run in parallel.
 */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});
