import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { commitTag, isDirtyTag, refuseDirty, workTreeTag } from '../src/lib/git';

let repo: string;

beforeEach(async () => {
  repo = mkdtempSync(path.join(tmpdir(), 'release-tag-'));
  const git = $({ cwd: repo, quiet: true });
  writeFileSync(path.join(repo, 'a.txt'), 'one\n');
  await git`git init -q`;
  await git`git add -A`;
  await git`git -c user.name=t -c user.email=t@t commit -q -m one`;
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('release tags', () => {
  it('tags a clean work tree with the 12-character HEAD SHA', async () => {
    const sha = (await $({ cwd: repo, quiet: true })`git rev-parse HEAD`).stdout.trim();
    await expect(workTreeTag(repo)).resolves.toBe(sha.slice(0, 12));
  });

  it('gives each distinct set of uncommitted changes its own dirty tag', async () => {
    const sha = (await workTreeTag(repo)).slice(0, 12);
    writeFileSync(path.join(repo, 'a.txt'), 'two\n');
    const modified = await workTreeTag(repo);
    writeFileSync(path.join(repo, 'new.txt'), 'untracked\n');
    const withUntracked = await workTreeTag(repo);

    expect(modified).toMatch(new RegExp(`^${sha}-dirty-[0-9a-f]{8}$`));
    expect(withUntracked).toMatch(new RegExp(`^${sha}-dirty-[0-9a-f]{8}$`));
    expect(withUntracked).not.toBe(modified);
    expect(isDirtyTag(modified)).toBe(true);
  });

  it('refuses to push or deploy a dirty build without the explicit flag', () => {
    expect(() => refuseDirty('0123456789ab-dirty-deadbeef', false, 'deploy')).toThrow(
      /--allow-dirty/,
    );
    expect(() => refuseDirty('0123456789ab-dirty-deadbeef', true, 'deploy')).not.toThrow();
    expect(() => refuseDirty('0123456789ab', false, 'deploy')).not.toThrow();
  });

  it('rejects what is not a SHA', () => {
    expect(commitTag('0123456789abcdef')).toBe('0123456789ab');
    expect(() => commitTag('main')).toThrow('not a commit SHA');
  });
});
