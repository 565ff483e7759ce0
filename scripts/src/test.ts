import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { startTestServices } from '@starter/testing';
import { REPO_ROOT } from './lib/repo-root';
import { workspaceDirs } from './lib/workspace';
import { clearSummaries, collectSummaries, formatSummary } from './lib/test-summary';

// `pnpm test`: the whole suite. Starts PostgreSQL and Redis once for every package (containers
// through the Docker engine, or the servers in TEST_DATABASE_URL / TEST_REDIS_URL), runs each
// package's tests through turbo, and ends with one line adding them all up.
async function main(): Promise<number> {
  $.cwd = REPO_ROOT;
  $.verbose = true;
  const extraArgs = process.argv.slice(2);
  const testedDirs = workspaceDirs().filter((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    return Boolean(manifest.scripts?.test);
  });

  const services = await startTestServices();
  clearSummaries(testedDirs);
  let exitCode: number;
  try {
    // --continue: one package's failure must not hide the others' results from the total.
    const run = await $({
      env: {
        ...process.env,
        TEST_DATABASE_URL: services.databaseUrl,
        TEST_REDIS_URL: services.redisUrl,
      },
      nothrow: true,
    })`pnpm exec turbo run test --concurrency=2 --continue ${extraArgs}`;
    exitCode = run.exitCode ?? 1;
  } finally {
    await services.stop();
  }

  const total = collectSummaries(testedDirs);
  if (total.missing.length > 0) {
    console.error(`no test results from: ${total.missing.join(', ')}`);
    total.failed += total.missing.length;
    exitCode ||= 1;
  }
  console.log(formatSummary(total));
  return total.failed > 0 ? exitCode || 1 : exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
