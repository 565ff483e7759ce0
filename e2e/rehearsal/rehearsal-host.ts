import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';

export const FIXTURE_DIR = path.join(__dirname, 'fixture-app');

export interface FixtureRelease {
  name: string;
  healthFail?: boolean;
  migrateFail?: boolean;
  /** Its items never get done: the staging checks fail. */
  checksFail?: boolean;
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
