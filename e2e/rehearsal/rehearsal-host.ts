import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { shellQuote as q } from '@starter/scripts/lib/shell-quote';
import { sshArguments } from '@starter/scripts/lib/ssh';

export const FIXTURE_DIR = path.join(__dirname, 'fixture-app');
const REGISTRY_CONTAINER_PREFIX = 'rehearsal-registry-';

/** The local cloud's registry, or a registry:2 container started for this run. */
export async function startRegistry(
  id: string,
): Promise<{ registry: string; stop: () => Promise<void> }> {
  if (process.env.LOCAL_CLOUD_REGISTRY) {
    return { registry: process.env.LOCAL_CLOUD_REGISTRY, stop: () => Promise.resolve() };
  }
  const name = `${REGISTRY_CONTAINER_PREFIX}${id}`;
  await $({ quiet: true })`docker run -d --name ${name} -p 127.0.0.1::5000 registry:2`;
  const port = (await $({ quiet: true })`docker port ${name} 5000/tcp`).stdout
    .trim()
    .split(':')
    .at(-1);
  return {
    registry: `127.0.0.1:${port}`,
    stop: async () => {
      await $({ quiet: true })`docker rm -f -v ${name}`;
    },
  };
}

/** The SSH stand-in for the EC2 host: the local cloud's deploy host. */
export function sshTarget() {
  const {
    LOCAL_CLOUD_SSH_HOST,
    LOCAL_CLOUD_SSH_PORT,
    LOCAL_CLOUD_SSH_USER,
    LOCAL_CLOUD_SSH_KEY,
    LOCAL_CLOUD_SSH_KNOWN_HOSTS,
  } = process.env;
  if (!LOCAL_CLOUD_SSH_HOST || !LOCAL_CLOUD_SSH_KEY || !LOCAL_CLOUD_SSH_KNOWN_HOSTS) {
    throw new Error(
      'the rehearsal needs an SSH deploy host sharing this Docker daemon: set LOCAL_CLOUD_SSH_HOST, _PORT, _USER, _KEY and _KNOWN_HOSTS',
    );
  }
  return {
    host: LOCAL_CLOUD_SSH_HOST,
    port: Number(LOCAL_CLOUD_SSH_PORT ?? 22),
    user: LOCAL_CLOUD_SSH_USER ?? 'deploy',
    keyPath: LOCAL_CLOUD_SSH_KEY,
    knownHosts: { file: LOCAL_CLOUD_SSH_KNOWN_HOSTS },
  };
}

export type SshTarget = ReturnType<typeof sshTarget>;

export async function onHost(target: SshTarget, script: string): Promise<string> {
  const args = sshArguments(target, target.knownHosts.file);
  return (
    await $({ quiet: true })`ssh ${args} -- ${`bash -c ${q(`set -euo pipefail\n${script}`)}`}`
  ).stdout;
}

export interface FixtureRelease {
  name: string;
  healthFail?: boolean;
  migrateFail?: boolean;
}

/**
 * A throwaway git repository holding the fixture app; each release is a commit, so release:build
 * tags it with a real SHA exactly as it tags the project.
 */
export function createFixtureRepository(): {
  dir: string;
  commit: (release: FixtureRelease) => Promise<void>;
  remove: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'rehearsal-app-'));
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  const git = $({ cwd: dir, quiet: true });
  return {
    dir,
    async commit(release) {
      writeFileSync(path.join(dir, 'release.json'), `${JSON.stringify(release)}\n`);
      if (!(await $({ cwd: dir, quiet: true, nothrow: true })`git rev-parse --git-dir`).ok) {
        await git`git init -q`;
      }
      await git`git add -A`;
      await git`git -c user.name=rehearsal -c user.email=rehearsal@localhost commit -q -m ${`release ${release.name}`}`;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
