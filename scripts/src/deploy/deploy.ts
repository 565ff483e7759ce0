import { IMAGES, imageReference, type ImageName } from '@starter/config';
import { checkAppEnvironment, loadAppEnvironment, renderEnvFile } from '../lib/app-secrets';
import { parseVerbArgs, runMain } from '../lib/cli';
import { refuseDirty, resolveReleaseTag } from '../lib/git';
import { loadDeployConfig } from '../lib/load-config';
import { createRegistry } from '../lib/registry';
import { REPO_ROOT } from '../lib/repo-root';
import { runReleaseFlow, STEP } from './release-flow';

export const verb = {
  usage: 'pnpm run deploy [--sha <sha>] [--allow-dirty] [--dry-run]',
  description: [
    'Deploys a pushed release (default: HEAD) to the host in DEPLOY_HOST: preflight, lock, upload,',
    'pull, migrate, switch the API behind the proxy with zero downtime, replace the worker, verify,',
    'record, prune old images. A failure while switching or verifying restores the previous release.',
    '',
    '  --sha <sha>     the release to deploy (it must be pushed: pnpm release:build && pnpm release:push)',
    '  --allow-dirty   deploy a <sha>-dirty-<hash> build',
  ].join('\n'),
  options: {
    sha: { type: 'string' },
    'allow-dirty': { type: 'boolean', default: false },
  },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig();
  const tag = await resolveReleaseTag(args.sha, REPO_ROOT);
  refuseDirty(tag, args['allow-dirty'], 'deploy');
  const registry = createRegistry(config);
  const images = Object.keys(IMAGES) as ImageName[];
  const secretsSource =
    config.secrets.source === 'ssm' ? `SSM ${config.secrets.path}` : config.secrets.file;

  await runReleaseFlow({
    action: 'deploy',
    config,
    dryRun: args.dryRun,
    target: () => tag,
    dryRunTarget: tag,
    preflight: ({ host }) => [
      {
        name: STEP.preflight,
        plan: `ssh with the pinned host key; docker, compose and curl on the host; ${images.map((image) => imageReference(config, image, tag)).join(' and ')} in the registry`,
        run: async () => {
          process.stdout.write(`  host: ${await host.preflight()}\n`);
          for (const image of images) {
            const remote = await registry.inspect(config.repositories[image], tag);
            if (!remote) {
              throw new Error(
                `${imageReference(config, image, tag)} is not in the registry: run pnpm release:build && pnpm release:push first`,
              );
            }
            process.stdout.write(
              `  ${image}: ${imageReference(config, image, tag)}@${remote.manifestDigest}\n`,
            );
          }
        },
      },
    ],
    prepare: ({ host }) => [
      {
        name: STEP.upload,
        plan: `compose file and compose.env to ${config.dir}/releases/${tag}/, app.env (0600) from ${secretsSource}, registry login on the host (password on stdin)`,
        run: async () => {
          const environment = await loadAppEnvironment(config.secrets, config.ecr?.region);
          await host.upload(tag, renderEnvFile(checkAppEnvironment(environment, secretsSource)));
          await host.registryLogin(await registry.credentials());
        },
      },
      {
        name: STEP.pull,
        plan: `docker compose pull api worker (${tag})`,
        run: () => host.pull(tag),
      },
      {
        name: STEP.migrate,
        plan: `one-off container of ${tag}'s api image: ${config.migrateCommand.join(' ')}; on failure stop, nothing switched`,
        run: () => host.migrate(tag),
      },
    ],
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
});
