import { $ } from 'zx';
import { parseVerbArgs } from '@starter/scripts/lib/cli';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';

export const verb = {
  usage: 'pnpm bench [--quick]',
  description: [
    'Builds the workspace (turbo), starts PostgreSQL and Redis as the tests do, runs the built API and',
    'worker as production would, and loads them from 127.0.0.1 with autocannon next to a bare Fastify +',
    'pg server and a bare BullMQ worker doing the same work. Prints one JSON line per workload, timing',
    'and target on stdout (progress on stderr), and a table at the end.',
    '',
    '  --quick   1 run of 3 s per workload and a 2,000-job drain: a smoke test, not a measurement',
  ].join('\n'),
  options: { quick: { type: 'boolean', default: false } },
} as const;

async function main(): Promise<void> {
  const values = parseVerbArgs(verb);
  if (values.dryRun) {
    process.stdout.write(`[dry-run] ${verb.description}\n`);
    return;
  }
  $.cwd = REPO_ROOT;
  $.quiet = true;
  process.stderr.write('building (turbo)\n');
  await $`pnpm build --output-logs=errors-only`;
  // The second build has nothing to do: this is the "cached build" target.
  const started = performance.now();
  await $`pnpm build --output-logs=errors-only`;
  const cachedBuildMs = performance.now() - started;
  // Loaded only now: it imports the workspace packages, which exist once built (fresh clone).
  const { runBench } = await import('./bench-run.js');
  await runBench({ quick: values.quick === true, cachedBuildMs });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `\n✗ bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
