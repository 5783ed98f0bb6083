import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          // Groups run one after the other: unit, integration, the browser tests, then the disruptive tests alone.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['tests/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration files share two cores with the brokers; a little parallelism, not a stampede.
          maxWorkers: 2,
        },
      },
      {
        test: {
          // The web console in Debian's Chromium (playwright-core) against a real engine; needs `make build`.
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 2 },
          globalSetup: ['tests/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Tests that disturb the shared services (a broker restart): run alone, after the others.
          name: 'disruptive',
          include: ['tests/disruptive/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 3 },
          globalSetup: ['tests/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
