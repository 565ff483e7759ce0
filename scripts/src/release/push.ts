import path from 'node:path';
import { IMAGES, imageReference, type ImageName } from '@starter/config';
import { $ } from 'zx';
import { parseVerbArgs, runMain } from '../lib/cli';
import { refuseDirty, resolveCommit, resolveReleaseTag, workTreeTag } from '../lib/git';
import { loadRegistryConfig } from '../lib/load-config';
import { createRegistry, dockerLogin } from '../lib/registry';
import { REPO_ROOT } from '../lib/repo-root';
import { runSteps } from '../lib/steps';
import { pushAction } from './push-plan';
import {
  checkDigests,
  MANIFEST_LABEL,
  manifestLabels,
  manifestReference,
  readReleaseManifest,
  type ReleaseManifest,
} from './release-manifest';

export const verb = {
  usage: 'pnpm release:push [--sha <sha>] [--allow-dirty] [--context <dir>] [--dry-run]',
  description: [
    'Pushes the api and worker images of a release (default: the work tree, as release:build tagged',
    'it) to DEPLOY_REGISTRY and prints their digests. ECR is logged in to with a token from',
    'GetAuthorizationToken; other registries use your `docker login` (or DEPLOY_REGISTRY_USERNAME and',
    'DEPLOY_REGISTRY_PASSWORD). A tag that already holds another build is never overwritten.',
    'Then records the release manifest (commit, digests, build time, CI run) beside them, as the',
    'image manifest-<tag> in the api repository: deploys and promotions take the digests from it.',
    '',
    '  --sha <sha>      the release to push (a commit SHA or a dirty tag)',
    '  --allow-dirty    push a <sha>-dirty-<hash> build',
    '  --context <dir>  the checkout the images were built from; default: this repo',
  ].join('\n'),
  options: {
    sha: { type: 'string' },
    'allow-dirty': { type: 'boolean', default: false },
    context: { type: 'string' },
  },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const context = path.resolve(args.context ?? REPO_ROOT);
  const config = loadRegistryConfig();
  const tag = args.sha ? await resolveReleaseTag(args.sha, context) : await workTreeTag(context);
  refuseDirty(tag, args['allow-dirty'], 'push');
  const registry = createRegistry(config);
  const digests: string[] = [];
  const pushed: Partial<Record<ImageName, string>> = {};
  const manifestRef = manifestReference(config, tag);

  await runSteps(
    [
      {
        name: 'login',
        plan: `docker login ${config.registry} (${config.ecr ? 'ECR token' : 'existing credentials'}, password on stdin)`,
        run: () => dockerLogin(registry),
      },
      ...(Object.keys(IMAGES) as ImageName[]).map((image) => {
        const reference = imageReference(config, image, tag);
        const repository = config.repositories[image];
        return {
          name: `push ${image}`,
          plan: `docker push ${reference} unless the registry already holds this build`,
          run: async () => {
            const local = await $({
              nothrow: true,
              quiet: true,
            })`docker image inspect -f {{.Id}} ${reference}`;
            if (local.exitCode !== 0) {
              throw new Error(`${reference} is not built here: run pnpm release:build first`);
            }
            const action = pushAction(
              reference,
              local.stdout.trim(),
              await registry.inspect(repository, tag),
            );
            if (action === 'push') await $({ quiet: true })`docker push ${reference}`;
            const remote = await registry.inspect(repository, tag);
            if (!remote) throw new Error(`${reference} is not in the registry after the push`);
            pushed[image] = remote.manifestDigest;
            digests.push(
              `${reference}@${remote.manifestDigest}${action === 'already-pushed' ? ' (already pushed)' : ''}`,
            );
          },
        };
      }),
      {
        name: 'record manifest',
        plan: `${manifestRef}: a layerless image whose ${MANIFEST_LABEL} label holds the commit, the digests, the build time and the CI run; kept as it is when it already records these digests`,
        run: async () => {
          const commit = await resolveCommit(tag, context);
          if (!commit) throw new Error(`${tag} is not a commit of ${context}`);
          const built = await $({
            quiet: true,
          })`docker image inspect -f {{.Created}} ${imageReference(config, 'api', tag)}`;
          const manifest: ReleaseManifest = {
            tag,
            commit,
            digests: { api: pushed.api!, worker: pushed.worker! },
            built: built.stdout.trim(),
            ...(config.ciRun ? { ciRun: config.ciRun } : {}),
          };
          const existing = await readReleaseManifest(registry, config, tag);
          if (existing) {
            checkDigests(existing, manifest.digests, 'the registry');
            digests.push(`${manifestRef} (already recorded)`);
            return;
          }
          const labels = Object.entries(manifestLabels(manifest)).flatMap(([key, value]) => [
            '--label',
            `${key}=${value}`,
          ]);
          await $({
            quiet: true,
            input: 'FROM scratch\n',
          })`docker buildx build --load --provenance=false --sbom=false ${labels} -t ${manifestRef} -`;
          await $({ quiet: true })`docker push ${manifestRef}`;
          const recorded = await readReleaseManifest(registry, config, tag);
          if (!recorded) throw new Error(`${manifestRef} is not in the registry after the push`);
          checkDigests(recorded, manifest.digests, manifestRef);
          digests.push(manifestRef);
        },
      },
    ],
    { dryRun: args.dryRun },
  );
  for (const line of digests) process.stdout.write(`${line}\n`);
});
