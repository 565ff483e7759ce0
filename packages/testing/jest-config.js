// Shared Jest configuration: SWC compiles TypeScript with decorator metadata (as tsc does), tests
// run against real PostgreSQL and Redis started once per run by the package's global setup, and a
// summary of each run is written to test-results/ for the root test command to add up.
const path = require('node:path');

/** @returns {import('jest').Config} */
function jestConfig({ globalSetup, globalTeardown } = {}) {
  return {
    testEnvironment: 'node',
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: {
              legacyDecorator: true,
              decoratorMetadata: true,
              useDefineForClassFields: false,
            },
            target: 'es2022',
          },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    globalSetup,
    globalTeardown:
      globalTeardown ?? (globalSetup ? require.resolve('./jest-global-teardown.js') : undefined),
    testTimeout: 30_000,
    reporters: ['default', path.join(__dirname, 'jest-summary-reporter.js')],
  };
}

module.exports = { jestConfig };
