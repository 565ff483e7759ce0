import path from 'node:path';
import { IMAGES, imageReference, type DeployConfig, type ImageName } from '@starter/config';
import { ENVIRONMENT_OPTION, ENVIRONMENT_USAGE, parseVerbArgs, runMain } from '../lib/cli';
import { checkReleaseOrder, refuseDirty, resolveReleaseTag } from '../lib/git';
import { loadDeployConfig } from '../lib/load-config';
import { createRegistry } from '../lib/registry';
import { REPO_ROOT } from '../lib/repo-root';
import {
  environmentCheckPlan,
  loadCheckedEnvironment,
  loadedBy,
  secretsSource,
  type CheckedEnvironment,
} from './app-environment';
import type { ReleaseDigests } from './compose-env';
import { clearReleaseRecord, writeReleaseRecord, type ReleaseRecord } from './release-record';
import { runReleaseFlow, STEP, type ReleaseContext } from './release-flow';
import type { Step } from '../lib/steps';
import {
  checkDigests,
  manifestReference,
  requireReleaseManifest,
  type ReleaseManifest,
} from '../release/release-manifest';

export const verb = {
  usage:
    'pnpm run deploy [--env <name>] [--sha <sha>] [--allow-dirty] [--allow-older] [--context <dir>] [--dry-run]',
  description: [
    'Deploys a pushed release (default: HEAD) to the host in DEPLOY_HOST: preflight, lock, upload,',
    'pull, start PostgreSQL and Redis unless DEPLOY_DATA_SERVICES=external (left alone when unchanged),',
    'migrate, switch the API behind the proxy with zero downtime, replace the worker, verify, record,',
    'prune old images. A failure while switching or verifying restores the previous release; so does',
    'Ctrl-C or SIGTERM once the step running on the host has finished (exit 130 or 143).',
    'The release must be the live one or a descendant of it in this clone (git history).',
    '',
    '  --sha <sha>     the release to deploy (it must be pushed: pnpm release:build && pnpm release:push)',
    '  --allow-dirty   deploy a <sha>-dirty-<hash> build',
    '  --allow-older   deploy a commit that is not a descendant of the live release (audited);',
    '                  to go back to a retained release, pnpm rollback is the way',
    '  --context <dir>  the checkout the release was built from (its history orders releases);',
    '                  default: this repo',
    ENVIRONMENT_USAGE,
  ].join('\n'),
  options: {
    sha: { type: 'string' },
    'allow-dirty': { type: 'boolean', default: false },
    'allow-older': { type: 'boolean', default: false },
    context: { type: 'string' },
    ...ENVIRONMENT_OPTION,
  },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig(args.env);
  const checkout = path.resolve(args.context ?? REPO_ROOT);
  const tag = await resolveReleaseTag(args.sha, checkout);
  refuseDirty(tag, args['allow-dirty'], 'deploy');
  await runDeploy({
    action: 'deploy',
    config,
    tag,
    checkout,
    allowOlder: args['allow-older'] === true,
    dryRun: args.dryRun,
  });
});

export interface DeployOptions {
  action: 'deploy' | 'promote';
  config: DeployConfig;
  tag: string;
  /** The checkout whose history orders releases. */
  checkout: string;
  allowOlder: boolean;
  dryRun: boolean;
  /** Checks before the preflight (a promotion's); they change nothing. */
  checks?: (context: ReleaseContext) => Step[];
  /** The digests the release must have (a promotion's: those the source runs). */
  expectedDigests?: () => ReleaseDigests;
  /** A promotion's source, for the run's summary. */
  promotedFrom?: () => ReleaseRecord['promotedFrom'];
}

/**
 * Puts a pushed release live: its digests come from the release manifest release:push recorded,
 * the registry must still hold them under the release's tags, and the host runs exactly them.
 */
export async function runDeploy(options: DeployOptions): Promise<void> {
  const { config, tag, checkout } = options;
  const registry = createRegistry(config);
  const images = Object.keys(IMAGES) as ImageName[];
  // Read and checked by the preflight, before the lock: a bad setting changes nothing on the host.
  let environment: CheckedEnvironment | undefined;
  let manifest: ReleaseManifest | undefined;
  const pulledDigests = (): ReleaseDigests => loadedBy(manifest, STEP.preflight).digests;
  if (!options.dryRun) clearReleaseRecord();

  await runReleaseFlow({
    action: options.action,
    config,
    dryRun: options.dryRun,
    target: () => tag,
    dryRunTarget: tag,
    preflight: (context) => [
      ...(options.checks?.(context) ?? []),
      {
        name: STEP.preflight,
        plan: `ssh with the pinned host key; docker, compose and curl on the host; the release manifest ${manifestReference(config, tag)} and ${images.map((image) => imageReference(config, image, tag)).join(' and ')} at its digests in the registry; ${environmentCheckPlan(config)}`,
        run: async () => {
          process.stdout.write(`  host: ${await context.host.preflight()}\n`);
          manifest = await requireReleaseManifest(registry, config, tag);
          if (options.expectedDigests) {
            checkDigests(manifest, options.expectedDigests(), 'the source environment');
          }
          const tagged: Partial<ReleaseDigests> = {};
          for (const image of images) {
            const remote = await registry.inspect(config.repositories[image], tag);
            if (!remote) {
              throw new Error(
                `${imageReference(config, image, tag)} is not in the registry: run pnpm release:build && pnpm release:push first`,
              );
            }
            tagged[image] = remote.manifestDigest;
            process.stdout.write(
              `  ${image}: ${imageReference(config, image, tag)}@${remote.manifestDigest}\n`,
            );
          }
          checkDigests(manifest, tagged as ReleaseDigests, 'the registry');
          writeReleaseRecord({
            environment: config.environment,
            tag,
            commit: manifest.commit,
            digests: manifest.digests,
            ...(options.promotedFrom ? { promotedFrom: options.promotedFrom() } : {}),
          });
          process.stdout.write(
            `  manifest: ${manifest.commit}, built ${manifest.built}${manifest.ciRun ? ` by ${manifest.ciRun}` : ''}\n`,
          );
          environment = await loadCheckedEnvironment(config);
          process.stdout.write(`  app environment: ${environment.summary}\n`);
        },
      },
    ],
    prepare: (context) => {
      const { host } = context;
      return [
        {
          name: STEP.order,
          plan: `${tag} must be the live release or a descendant of it (git merge-base --is-ancestor in ${checkout})${options.allowOlder ? '; --allow-older: an older one is deployed anyway, audited' : ''}`,
          run: async () => {
            const override = await checkReleaseOrder(
              context.state.current,
              tag,
              checkout,
              options.allowOlder,
            );
            if (override) {
              process.stderr.write(
                `! ${tag} does not descend from the live release ${context.state.current}: deploying it anyway (--allow-older)\n`,
              );
              Object.assign(context.auditFields, override);
            }
          },
        },
        {
          name: STEP.upload,
          plan: `compose file, compose.env (the images' digests) and release.json (the release manifest) to ${config.dir}/releases/${tag}/, app.env (0600) from ${secretsSource(config)}`,
          run: () =>
            host.upload(
              tag,
              loadedBy(environment, STEP.preflight).appEnvFile,
              loadedBy(manifest, STEP.preflight),
            ),
        },
        {
          name: STEP.pull,
          plan: `docker compose pull api worker by the digests the preflight found, tagged ${tag} on the host; ${config.ecr || config.registryCredentials ? 'registry login into a temporary DOCKER_CONFIG, removed right after the pull (password on stdin)' : "the host's own registry login"}; time limit ${config.timeouts.pull}s`,
          run: async () => host.pull(tag, pulledDigests(), await registry.credentials()),
        },
        ...(config.dataServices === 'bundled'
          ? [
              {
                name: STEP.dataServices,
                plan: `PostgreSQL and Redis in the long-lived project ${config.app} (profile data): ${config.dir}/data.env (0600) from DATABASE_URL, docker compose up -d --wait postgres redis; containers whose settings did not change are left running, volumes are never removed`,
                run: () =>
                  host.startDataServices(
                    tag,
                    loadedBy(loadedBy(environment, STEP.preflight).dataEnvFile, STEP.preflight),
                  ),
              },
            ]
          : []),
        {
          name: STEP.migrate,
          plan: `one-off container of ${tag}'s api image: ${config.migrateCommand.join(' ')}; on failure stop, nothing switched`,
          run: () => host.migrate(tag),
        },
      ];
    },
    finish: ({ host }) => [
      {
        name: STEP.retention,
        plan: `keep the images and files of the last ${config.retention} releases, delete older ones of this project's repositories`,
        run: async () => {
          const { kept, deleted } = await host.applyRetention();
          process.stdout.write(
            `  kept ${kept.join(', ')}${deleted.length ? `; deleted ${deleted.join(', ')}` : ''}\n`,
          );
        },
      },
    ],
  });
}
