import { readFileSync } from 'node:fs';
import path from 'node:path';
import { YAML } from 'zx';
import { IMAGES } from '@starter/config';
import {
  SIZE_BUDGET_BYTES,
  defaultBaseImage,
  formatSizeReport,
  growthBytes,
  withinBudget,
} from '../images/image-budget';
import { buildSteps, findStep } from '../images/build-log';
import { composeProblems, durationSeconds, type ComposeFile } from '../images/compose-rules';
import { dockerfileProblems } from '../images/dockerfile-rules';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');
// Compose resolves YAML merge keys (<<); the parser only does when asked (zx's typings omit the
// options argument).
const parseYaml = (text: string): unknown =>
  (YAML.parse as (this: void, text: string, options: { merge: boolean }) => unknown)(text, {
    merge: true,
  });
const compose = (): ComposeFile => parseYaml(read('docker-compose.yml')) as ComposeFile;

describe('Dockerfiles', () => {
  it.each(Object.values(IMAGES))('$dockerfile follows the image rules', ({ dockerfile }) => {
    expect(dockerfileProblems(read(dockerfile))).toEqual([]);
  });

  it('both build on node:24-bookworm-slim by default', () => {
    const bases = Object.values(IMAGES).map(({ dockerfile }) => defaultBaseImage(read(dockerfile)));
    expect(bases).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  });

  it('reports what BuildKit 0.8 cannot build and what a production image lacks', () => {
    const bad = [
      '# syntax=docker/dockerfile:1.7',
      'FROM node:24 AS build',
      'COPY --link . .',
      'RUN <<EOF',
      'FROM build',
      'CMD node main.js',
    ].join('\n');
    expect(dockerfileProblems(bad)).toEqual([
      'has a "# syntax=" line (it pulls a frontend image from Docker Hub)',
      'uses COPY --link',
      'uses a heredoc',
      'lacks a default base image (ARG NODE_IMAGE=...)',
      'has no HEALTHCHECK',
      'lacks the revision label',
      'lacks the source label',
      'has no exec-form CMD (a shell would be PID 1 and swallow SIGTERM)',
      'does not switch the final stage to a non-root USER',
      'builds FROM node:24 instead of the NODE_IMAGE build argument',
    ]);
  });

  it('reads the default base image and fails loudly without one', () => {
    expect(defaultBaseImage('ARG NODE_IMAGE=node:24-slim\nFROM ${NODE_IMAGE}\n')).toBe(
      'node:24-slim',
    );
    expect(() => defaultBaseImage('FROM node:24\n')).toThrow('no default base image');
  });
});

describe('size budget', () => {
  const row = (growth: number) => ({
    image: 'starter-api:local',
    bytes: 280_000_000 + growth,
    base: 'node:24-bookworm-slim',
    baseBytes: 280_000_000,
  });

  it('allows growth up to 60 MB over the base, not a byte more', () => {
    expect(growthBytes(row(SIZE_BUDGET_BYTES))).toBe(60_000_000);
    expect(withinBudget(row(SIZE_BUDGET_BYTES))).toBe(true);
    expect(withinBudget(row(SIZE_BUDGET_BYTES + 1))).toBe(false);
  });

  it('prints size, base and growth per image', () => {
    expect(formatSizeReport([row(41_400_000), row(61_000_000)])).toBe(
      'starter-api:local: 321.4 MB = node:24-bookworm-slim 280.0 MB + 41.4 MB (within the 60.0 MB budget)\n' +
        'starter-api:local: 341.0 MB = node:24-bookworm-slim 280.0 MB + 61.0 MB (OVER the 60.0 MB budget)',
    );
  });
});

describe('build log', () => {
  const log = [
    '#11 [build 2/4] RUN --mount=type=cache,id=starter-pnpm-store,target=/pnpm/store     pnpm install --frozen-lockfile --store-dir /pnpm/store',
    '#11 CACHED',
    '#12 [build 4/4] RUN pnpm turbo run build --filter=@starter/api',
    '#12 0.362 • turbo 2.11.11',
    '#12 DONE 13.3s',
    '#14 [prod-deps 3/3] RUN pnpm install --prod --frozen-lockfile',
    '#14 CACHED',
  ].join('\n');

  it('tells reused steps from executed ones', () => {
    expect(buildSteps(log).map(({ id, cached }) => [id, cached])).toEqual([
      ['11', true],
      ['12', false],
      ['14', true],
    ]);
    expect(findStep(log, 'pnpm install --frozen-lockfile').cached).toBe(true);
    expect(findStep(log, 'turbo run build').cached).toBe(false);
  });

  it('refuses a fragment that names no step or several', () => {
    expect(() => findStep(log, 'npm ci')).toThrow('found 0');
    expect(() => findStep(log, 'pnpm install')).toThrow('found 2');
  });
});

describe('docker-compose.yml', () => {
  it('meets the local stack rules', () => {
    expect(composeProblems(compose())).toEqual([]);
  });

  it('reports published database ports, a short grace period and an unguarded start', () => {
    const broken = compose();
    broken.services.postgres!.ports = ['5432:5432'];
    broken.services.redis!.ports = [{ target: 6379, published: '6379' }];
    broken.services.worker!.stop_grace_period = '25s';
    delete broken.services.api!.depends_on!.migrate;
    broken.services.worker!.image = 'worker:local';
    expect(composeProblems(broken)).toEqual([
      'service "postgres" publishes port 5432 on the host',
      'service "redis" publishes port 6379 on the host',
      'service "worker" must run the starter-worker image',
      'service "api" must start only after migrate completed successfully',
      'worker stop_grace_period (25s) must exceed WORKER_DRAIN_TIMEOUT_SECONDS (25s)',
    ]);
  });

  it('reads compose durations', () => {
    expect(durationSeconds('35s')).toBe(35);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('1500ms')).toBe(1.5);
    expect(() => durationSeconds('35')).toThrow('not a compose duration');
  });
});
