import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { REPO_ROOT } from '../src/lib/repo-root';

interface DryRun {
  tasks: { taskId: string; hash: string; inputs: Record<string, string> }[];
}

/** turbo's plan for `test` of the given packages in `root`, without running anything. */
async function plan(root: string, packages: string[]): Promise<DryRun['tasks']> {
  const output = await $({
    cwd: root,
    quiet: true,
  })`${path.join(REPO_ROOT, 'node_modules/.bin/turbo')} run test ${packages.map((name) => `--filter=${name}`)} --dry=json`;
  return (JSON.parse(output.stdout) as DryRun).tasks;
}

const task = (tasks: DryRun['tasks'], id: string) => {
  const found = tasks.find(({ taskId }) => taskId === id);
  if (!found) throw new Error(`turbo plans no ${id}`);
  return found;
};

describe("turbo's test inputs", () => {
  it('include every file outside the package that its tests read', async () => {
    const tasks = await plan(REPO_ROOT, ['@starter/scripts', '@starter/config']);

    expect(Object.keys(task(tasks, '@starter/scripts#test').inputs)).toEqual(
      expect.arrayContaining([
        '../.github/workflows/ci.yml',
        '../.github/workflows/deploy.yml',
        '../.github/dependabot.yml',
        '../infra/compose.production.yml',
        '../infra/aws/stack.yaml',
        '../package.json',
        '../.env.example',
        '../.nvmrc',
      ]),
    );
    expect(Object.keys(task(tasks, '@starter/config#test').inputs)).toContain('../../.env.example');
  });

  it('re-run the pipeline tests when only a workflow changes', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'turbo-inputs-'));
    try {
      const files = (
        await $({ cwd: REPO_ROOT, quiet: true })`git ls-files --cached --others --exclude-standard`
      ).stdout
        .split('\n')
        .filter(Boolean);
      for (const file of files) {
        try {
          cpSync(path.join(REPO_ROOT, file), path.join(copy, file));
        } catch (error) {
          // A tracked file deleted in the work tree is not part of it.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
      const before = await plan(copy, ['@starter/scripts']);

      appendFileSync(path.join(copy, '.github/workflows/ci.yml'), '# a workflow-only change\n');
      const after = await plan(copy, ['@starter/scripts']);

      expect(task(after, '@starter/scripts#test').hash).not.toBe(
        task(before, '@starter/scripts#test').hash,
      );
      // Only the tests that read it: the build is the same.
      expect(task(after, '@starter/scripts#build').hash).toBe(
        task(before, '@starter/scripts#build').hash,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
