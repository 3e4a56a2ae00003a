import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/embedded-database.ts'],
    pool: 'forks',
    // two cores on CI: the embedded database and two test workers share them
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ['default', './tests/setup/summary-reporter.ts'],
  },
});
