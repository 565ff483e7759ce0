// Shared Jest configuration: SWC compiles TypeScript with decorator metadata (as tsc does), tests
// run against real PostgreSQL and Redis started once per run by the package's global setup, and a
// summary of each run is written to test-results/ for the root test command to add up.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

/**
 * Tests load and spawn compiled code (dist/): of the workspace packages they import, the global
 * setup's, and the package's own (the API and worker tests run `node dist/main.js`). Under turbo
 * (`pnpm test`, `turbo run test`) the test task depends on those builds; run any other way
 * (`pnpm --filter @starter/api test`, `jest` in a package) they are built first, through turbo, so
 * an up-to-date build is a cache hit and a stale one is never what runs.
 */
function buildWhatTheTestsRun(packageDir) {
  if (process.env.TURBO_HASH) return;
  const { name } = require(path.join(packageDir, 'package.json'));
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', `--filter=${name}...`, '--output-logs=errors-only'],
    { cwd: packageDir, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

/**
 * @param {{ packageDir: string, globalSetup?: string, globalTeardown?: string }} options
 * @returns {import('jest').Config}
 */
function jestConfig({ packageDir, globalSetup, globalTeardown }) {
  buildWhatTheTestsRun(packageDir);
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
    // Above the waits in the tests (20–30 s), so a stuck one fails with its own message first.
    testTimeout: 60_000,
    reporters: ['default', path.join(__dirname, 'jest-summary-reporter.js')],
  };
}

module.exports = { jestConfig };
