import { defineConfig } from 'vitest/config';

/**
 * One PostgreSQL and one Meilisearch for the whole run (tests/helpers/global-setup.ts);
 * each test file gets its own database and index prefix, so files run in parallel.
 * Browser tests form their own project, run one file at a time after the others
 * (see the `test` script): Chromium on a 2-core machine next to parallel suites gets flaky.
 */
export default defineConfig({
  test: {
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
      // expect.poll's 1 s default is shorter than a form post with argon2id on a loaded CI machine.
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
