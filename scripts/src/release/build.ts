import path from 'node:path';
import { IMAGES, imageReference, type ImageName } from '@starter/config';
import { $ } from 'zx';
import { parseVerbArgs, runMain } from '../lib/cli';
import { workTreeTag } from '../lib/git';
import { loadRegistryConfig } from '../lib/load-config';
import { REPO_ROOT } from '../lib/repo-root';
import { runSteps } from '../lib/steps';

const verb = {
  usage: 'pnpm release:build [--context <dir>] [--dry-run]',
  description: [
    'Builds the api and worker images, tagged with the HEAD SHA (12 characters) for the registry',
    'in DEPLOY_REGISTRY. A dirty work tree gets the tag <sha>-dirty-<hash>, which release:push and',
    'deploy refuse without --allow-dirty.',
    '',
    '  --context <dir>  build another checkout (its git HEAD names the release); default: this repo',
  ].join('\n'),
  options: { context: { type: 'string' } },
} as const;

runMain(async () => {
  const args = parseVerbArgs(verb);
  const context = path.resolve(args.context ?? REPO_ROOT);
  const config = loadRegistryConfig();
  const tag = await workTreeTag(context);
  const revision = tag.slice(0, 12);

  await runSteps(
    (Object.keys(IMAGES) as ImageName[]).map((image) => {
      const reference = imageReference(config, image, tag);
      const dockerfile = path.join(context, IMAGES[image].dockerfile);
      return {
        name: `build ${image}`,
        plan: `docker build -f ${dockerfile} -t ${reference} ${context}`,
        run: async () => {
          await $({
            stdio: ['ignore', 'inherit', 'inherit'],
          })`docker build -f ${dockerfile} -t ${reference} --label org.opencontainers.image.revision=${revision} --label org.opencontainers.image.version=${tag} ${context}`;
        },
      };
    }),
    { dryRun: args.dryRun },
  );
  if (!args.dryRun) process.stdout.write(`Built release ${tag}\n`);
});
