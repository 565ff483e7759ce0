import { ENVIRONMENT_OPTION, ENVIRONMENT_USAGE, parseVerbArgs, runMain } from '../lib/cli';
import { commitTag, isDirtyTag } from '../lib/git';
import { loadDeployConfig } from '../lib/load-config';
import {
  environmentCheckPlan,
  loadCheckedEnvironment,
  loadedBy,
  secretsSource,
  type CheckedEnvironment,
} from './app-environment';
import { runReleaseFlow, STEP } from './release-flow';
import type { HostState } from './release-host';

export const verb = {
  usage: 'pnpm rollback [--env <name>] [--sha <sha>] [--restore-env] [--dry-run]',
  description: [
    'Puts a retained release back live (default: the previous one) without pulling anything: its',
    'images and files are still on the host. Its app environment is rendered from the current SSM',
    'parameters (or DEPLOY_ENV_FILE), as a deploy would, so a rotated secret stays rotated.',
    'Migrations are not reverted: every release must work with the schema of the next one',
    '(expand/contract). Ctrl-C or SIGTERM restores the live release once the host step has finished.',
    '',
    '  --sha <sha>      the release to go back to; it must be one of the retained releases',
    '  --restore-env    bring back the app.env the release was deployed with instead',
    ENVIRONMENT_USAGE,
  ].join('\n'),
  options: {
    sha: { type: 'string' },
    'restore-env': { type: 'boolean', default: false },
    ...ENVIRONMENT_OPTION,
  },
} as const;

function targetOf(sha: string | undefined, state: HostState): string {
  const target = sha ? (isDirtyTag(sha) ? sha : commitTag(sha)) : state.previous;
  if (!target) throw new Error('there is no previous release to roll back to');
  if (target === state.current) throw new Error(`${target} is already live`);
  return target;
}

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig(args.env);
  const restoreEnv = args['restore-env'] === true;
  let environment: CheckedEnvironment | undefined;

  await runReleaseFlow({
    action: 'rollback',
    config,
    dryRun: args.dryRun,
    target: (state) => targetOf(args.sha, state),
    dryRunTarget: args.sha ?? '<previous release on the host>',
    preflight: ({ host }) => [
      {
        name: STEP.preflight,
        plan: `ssh with the pinned host key; docker, compose and curl on the host (no registry access); ${restoreEnv ? "the release's own app.env is kept (--restore-env)" : environmentCheckPlan(config)}`,
        run: async () => {
          process.stdout.write(`  host: ${await host.preflight()}\n`);
          if (restoreEnv) return;
          environment = await loadCheckedEnvironment(config);
          process.stdout.write(`  app environment: ${environment.summary}\n`);
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
      {
        name: 'app environment',
        plan: restoreEnv
          ? `${context.tag}'s app.env as it was deployed`
          : `${context.tag}'s app.env (0600) rendered from ${secretsSource(config)}; the one it was deployed with is kept for --restore-env`,
        run: () =>
          restoreEnv
            ? context.host.restoreDeployedAppEnv(context.tag)
            : context.host.replaceAppEnv(
                context.tag,
                loadedBy(environment, STEP.preflight).appEnvFile,
              ),
      },
    ],
    finish: () => [],
  });
});
