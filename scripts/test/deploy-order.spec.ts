import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { checkReleaseOrder, commitTag } from '../src/lib/git';

let repo: string;
/** main: a ← b; side: a ← c. Tags are 12-character prefixes, as on the host. */
const tags: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

beforeAll(async () => {
  repo = mkdtempSync(path.join(tmpdir(), 'deploy-order-'));
  const git = $({ cwd: repo, quiet: true });
  await git`git init -q -b main`;
  const commit = async (message: string) => {
    await git`git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m ${message}`;
    return commitTag((await git`git rev-parse HEAD`).stdout.trim());
  };
  tags.a = await commit('a');
  tags.b = await commit('b');
  await git`git checkout -q -b side ${tags.a}`;
  tags.c = await commit('c');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('the order of releases', () => {
  it('lets a descendant of the live release, or the live release itself, deploy', async () => {
    await expect(checkReleaseOrder(tags.a, tags.b, repo, false)).resolves.toBeUndefined();
    await expect(checkReleaseOrder(tags.b, tags.b, repo, false)).resolves.toBeUndefined();
    await expect(checkReleaseOrder(undefined, tags.a, repo, false)).resolves.toBeUndefined();
  });

  it('refuses an older commit and a diverged one, pointing at rollback and --allow-older', async () => {
    await expect(checkReleaseOrder(tags.b, tags.a, repo, false)).rejects.toThrow(
      `${tags.a} is not a descendant of the live release ${tags.b}`,
    );
    await expect(checkReleaseOrder(tags.b, tags.c, repo, false)).rejects.toThrow(
      /pnpm rollback --sha .*; or pass --allow-older/,
    );
  });

  it('says how to fetch a live release this clone does not know', async () => {
    await expect(checkReleaseOrder('0123456789ab', tags.b, repo, false)).rejects.toThrow(
      'the live release 0123456789ab is not a commit of this clone, so the order of',
    );
    await expect(checkReleaseOrder('0123456789ab', tags.b, repo, false)).rejects.toThrow(
      'fetch-depth: 0',
    );
  });

  it('--allow-older deploys it anyway and names the override for the audit line', async () => {
    await expect(checkReleaseOrder(tags.b, tags.a, repo, true)).resolves.toEqual({
      'allow-older': tags.b,
    });
  });

  it('reads a dirty tag as its commit', async () => {
    await expect(
      checkReleaseOrder(tags.a, `${tags.b}-dirty-0123abcd`, repo, false),
    ).resolves.toBeUndefined();
  });
});
