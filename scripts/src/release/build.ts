import path from 'node:path';
import { IMAGES, imageReference, type ImageName } from '@starter/config';
import { $ } from 'zx';
import { parseVerbArgs, runMain } from '../lib/cli';
import { headCommit, workTreeTag } from '../lib/git';
import { loadRegistryConfig } from '../lib/load-config';
import { REPO_ROOT } from '../lib/repo-root';
import { runSteps } from '../lib/steps';
import { buildCommand, parseBuildCache, sourceLabel } from './build-plan';

export const verb = {
  usage: 'pnpm release:build [--context <dir>] [--cache local|gha] [--dry-run]',
  description: [
    'Builds the api and worker images, tagged with the HEAD SHA (12 characters) for the registry',
    'in DEPLOY_REGISTRY. A dirty work tree gets the tag <sha>-dirty-<hash>, which release:push and',
    'deploy refuse without --allow-dirty.',
    '',
    '  --context <dir>  build another checkout (its git HEAD names the release); default: this repo',
    "  --cache gha      use the GitHub Actions cache (BuildKit type=gha) instead of the builder's own;",
    '                   needs docker buildx and the Actions runtime token (see deploy.yml)',
  ].join('\n'),
  options: { context: { type: 'string' }, cache: { type: 'string' } },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const cache = parseBuildCache(args.cache);
  const context = path.resolve(args.context ?? REPO_ROOT);
  const config = loadRegistryConfig();
  const tag = await workTreeTag(context);
  const head = await headCommit(context);

  await runSteps(
    (Object.keys(IMAGES) as ImageName[]).map((image) => {
      const command = buildCommand({
        dockerfile: path.join(context, IMAGES[image].dockerfile),
        reference: imageReference(config, image, tag),
        repository: config.repositories[image],
        context,
        revision: head.sha,
        source: sourceLabel(head.origin),
        tag,
        commitEpoch: head.epoch,
        cache,
      });
      return {
        name: `build ${image}`,
        plan: `docker ${command.join(' ')}`,
        run: async () => {
          await $({ stdio: ['ignore', 'inherit', 'inherit'] })`docker ${command}`;
        },
      };
    }),
    { dryRun: args.dryRun },
  );
  if (!args.dryRun) process.stdout.write(`Built release ${tag}\n`);
});
