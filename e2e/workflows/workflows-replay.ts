/**
 * pnpm workflows:replay — runs a GitHub workflow of this repository from its YAML on this machine
 * (see README, Workflows). Vars, secrets and SSM parameters come from a JSON fixture file.
 */
import { readFileSync } from 'node:fs';
import { parseVerbArgs, runMain } from '@starter/scripts/lib/cli';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { REPLAY_EVENTS, replayWorkflow, type ReplayEvent, type ReplayFixture } from './replay';

export const verb = {
  usage:
    'pnpm workflows:replay [--workflow deploy.yml] [--event push|workflow_dispatch|pull_request] [--input name=value]… [--sha <sha>] [--fixture <file.json>] [--assume-passed <job,…>] [--dry-run]',
  description: [
    "Replays a workflow of .github/workflows at a commit: GitHub's parser reads it, jobs run in",
    'needs order in fresh clones, run: steps as written, uses: steps through local equivalents.',
    '',
    '  --workflow <file>        a file of .github/workflows (default deploy.yml)',
    '  --event <name>           push (default), workflow_dispatch or pull_request',
    '  --input name=value       a workflow_dispatch input; repeat for several',
    '  --sha <sha>              the commit the event is about (default HEAD)',
    '  --fixture <file>         JSON { vars, secrets, ssmParameters, runnerEnv } (default: none set)',
    '  --assume-passed <jobs>   comma-separated job keys (ci/verify) whose run: steps are recorded',
    '                           as passed instead of run; every other job runs as written',
    '  --dry-run                print the job and step plan without running anything',
  ].join('\n'),
  options: {
    workflow: { type: 'string' },
    event: { type: 'string' },
    input: { type: 'string', multiple: true },
    sha: { type: 'string' },
    fixture: { type: 'string' },
    'assume-passed': { type: 'string' },
  },
} as const;

function parseInputs(values: unknown): Record<string, string> {
  const pairs = ([] as unknown[]).concat(values ?? []).map(String);
  return Object.fromEntries(
    pairs.map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new Error(`--input takes name=value, not "${pair}"`);
      return [pair.slice(0, equals), pair.slice(equals + 1)];
    }),
  );
}

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  // Through process.exit, so the steps still running are ended with the replay.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => process.exit(code));
  }
  const event = args.event ?? 'push';
  if (!(REPLAY_EVENTS as readonly string[]).includes(event)) {
    throw new Error(`--event must be one of ${REPLAY_EVENTS.join(', ')}, not "${event}"`);
  }
  const fixture: ReplayFixture = args.fixture
    ? (JSON.parse(readFileSync(args.fixture, 'utf8')) as ReplayFixture)
    : { vars: {}, secrets: {} };
  const report = await replayWorkflow({
    workflow: args.workflow ?? 'deploy.yml',
    event: event as ReplayEvent,
    inputs: parseInputs(args.input),
    sha: args.sha,
    sourceRepo: REPO_ROOT,
    fixture: { ...fixture, vars: fixture.vars ?? {}, secrets: fixture.secrets ?? {} },
    assumePassed: args['assume-passed']?.split(',').filter(Boolean),
    dryRun: args.dryRun,
  });
  if (args.dryRun) {
    process.stdout.write(
      `${report.workflow} on ${report.event} at ${report.sha}:\n${report.plan.join('\n')}\n`,
    );
    return;
  }
  process.stdout.write(
    `\n${report.workflow} on ${report.event} at ${report.sha}: ${report.result} (clones and logs in ${report.workDir})\n`,
  );
  if (report.result !== 'success') throw new Error(`the replay of ${report.workflow} failed`);
});
