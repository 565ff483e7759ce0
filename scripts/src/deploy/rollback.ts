import { parseVerbArgs, runMain } from '../lib/cli';
import { commitTag, isDirtyTag } from '../lib/git';
import { loadDeployConfig } from '../lib/load-config';
import { runReleaseFlow, STEP } from './release-flow';
import type { HostState } from './release-host';

export const verb = {
  usage: 'pnpm rollback [--sha <sha>] [--dry-run]',
  description: [
    'Puts a retained release back live (default: the previous one) without pulling anything: its',
    'images and files are still on the host. Migrations are not reverted: every release must work',
    'with the schema of the next one (expand/contract).',
    '',
    '  --sha <sha>   the release to go back to; it must be one of the retained releases',
  ].join('\n'),
  options: { sha: { type: 'string' } },
} as const;

function targetOf(sha: string | undefined, state: HostState): string {
  const target = sha ? (isDirtyTag(sha) ? sha : commitTag(sha)) : state.previous;
  if (!target) throw new Error('there is no previous release to roll back to');
  if (target === state.current) throw new Error(`${target} is already live`);
  return target;
}

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig();

  await runReleaseFlow({
    action: 'rollback',
    config,
    dryRun: args.dryRun,
    target: (state) => targetOf(args.sha, state),
    dryRunTarget: args.sha ?? '<previous release on the host>',
    preflight: ({ host }) => [
      {
        name: STEP.preflight,
        plan: 'ssh with the pinned host key; docker, compose and curl on the host (no registry access)',
        run: async () => {
          process.stdout.write(`  host: ${await host.preflight()}\n`);
        },
      },
    ],
    prepare: (context) => [
      {
        name: 'check retained',
        plan: `${context.tag}'s files and both images must still be on the host`,
        run: async () => {
          const available = await context.host.availableReleases();
          if (!available.includes(context.tag)) {
            throw new Error(
              `${context.tag} is not retained on the host; available: ${available.join(', ') || '(none)'}`,
            );
          }
        },
      },
    ],
    finish: () => [],
  });
});
