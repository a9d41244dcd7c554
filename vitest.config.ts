import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure logic and small fs effects, next to the code), `process` (the real
// binary with a fake docker: signals, retries, secrets) and `e2e` (the real `uai`
// binary against a real Docker engine and an authenticated registry; see test/e2e/README.md).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
          exclude: ['**/*.process.test.ts', '**/node_modules/**'],
          environment: 'node',
          // vitest's 5 s default is too tight on a loaded 2-core machine (a 12-model pipeline test
          // timed out at it in 2 of 5 runs); a hung test still fails, just later.
          testTimeout: 30_000,
          // Compiled configs and templates go to a cache of the tests' own, not the user's.
          env: { XDG_CACHE_HOME: path.join(os.tmpdir(), `uai-unit-cache-${process.pid}`) },
        },
      },
      {
        // The real `uai` binary with a fake `docker` script: real processes and signals, no engine.
        test: {
          name: 'process',
          include: ['packages/*/src/**/*.process.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
