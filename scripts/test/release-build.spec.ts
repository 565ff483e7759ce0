import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { headCommit } from '../src/lib/git';
import { readStepTimings, writeStepTimings } from '../src/lib/step-timings';
import {
  buildCommand,
  parseBuildCache,
  sourceLabel,
  type ImageBuild,
} from '../src/release/build-plan';

const BUILD: ImageBuild = {
  dockerfile: '/repo/Dockerfile.app',
  reference: 'registry.test/starter-api:0123456789ab',
  repository: 'starter-api',
  context: '/repo',
  revision: '0123456789abcdef0123456789abcdef01234567',
  source: 'https://github.com/acme/shop',
  tag: '0123456789ab',
  commitEpoch: 1_900_000_000,
  cache: 'local',
};

describe('release:build', () => {
  it("builds with the builder's own cache by default, labels from the Dockerfile's build args", () => {
    expect(parseBuildCache(undefined)).toBe('local');
    expect(buildCommand(BUILD)).toEqual([
      'build',
      '--provenance=false',
      '--sbom=false',
      '-f',
      '/repo/Dockerfile.app',
      '-t',
      'registry.test/starter-api:0123456789ab',
      '--build-arg',
      'REVISION=0123456789abcdef0123456789abcdef01234567',
      '--build-arg',
      'SOURCE=https://github.com/acme/shop',
      '--build-arg',
      'SOURCE_DATE_EPOCH=1900000000',
      '--label',
      'org.opencontainers.image.version=0123456789ab',
      '/repo',
    ]);
  });

  it('uses the GitHub Actions cache, one scope per repository, and loads the image for the push', () => {
    const command = buildCommand({ ...BUILD, cache: parseBuildCache('gha') });
    expect(command.slice(0, 7)).toEqual([
      'buildx',
      'build',
      '--load',
      '--cache-from',
      'type=gha,scope=starter-api',
      '--cache-to',
      'type=gha,scope=starter-api,mode=max,ignore-error=true',
    ]);
    expect(command.slice(7, 9)).toEqual(['--provenance=false', '--sbom=false']);
    expect(command.at(-1)).toBe('/repo');
  });

  it('rejects a cache it does not know', () => {
    expect(() => parseBuildCache('s3')).toThrow('--cache must be one of local, gha, not "s3"');
  });

  it('never puts credentials of the remote URL into a label', () => {
    expect(sourceLabel('https://x-access-token:ghs_secret@github.com/acme/shop.git\n')).toBe(
      'https://github.com/acme/shop.git',
    );
    expect(sourceLabel('git@github.com:acme/shop.git')).toBe('git@github.com:acme/shop.git');
    expect(sourceLabel('')).toBeUndefined();
    expect(buildCommand({ ...BUILD, source: undefined }).join(' ')).not.toMatch(/SOURCE=/);
  });

  it('reads the commit SHA and time of HEAD', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'release-build-'));
    try {
      const git = $({ cwd: repo, quiet: true });
      writeFileSync(path.join(repo, 'a.txt'), 'one\n');
      await git`git init -q`;
      await git`git add -A`;
      await $({
        cwd: repo,
        quiet: true,
        env: { ...process.env, GIT_COMMITTER_DATE: '@1900000000 +0000' },
      })`git -c user.name=t -c user.email=t@t commit -q -m one`;
      const head = await headCommit(repo);
      expect(head).toEqual({
        sha: (await git`git rev-parse HEAD`).stdout.trim(),
        epoch: 1_900_000_000,
        origin: '',
      });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('step timings', () => {
  it('round-trips what deploy writes and ci:summary reads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'step-timings-'));
    try {
      const file = path.join(dir, 'nested/step-timings.json');
      expect(readStepTimings(file)).toBeUndefined();
      writeStepTimings([{ step: 'pull', seconds: 1.5 }], file);
      expect(readStepTimings(file)).toEqual([{ step: 'pull', seconds: 1.5 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
