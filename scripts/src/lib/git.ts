import { createHash } from 'node:crypto';
import { IMAGE_TAG_LENGTH } from '@starter/config';
import { $ } from 'zx';

const DIRTY_MARKER = '-dirty-';

export function isDirtyTag(tag: string): boolean {
  return tag.includes(DIRTY_MARKER);
}

/** The tag of a commit: its SHA shortened to IMAGE_TAG_LENGTH characters. */
export function commitTag(sha: string): string {
  if (!/^[0-9a-f]{7,40}$/.test(sha)) throw new Error(`not a commit SHA: ${sha}`);
  if (sha.length < IMAGE_TAG_LENGTH) {
    throw new Error(`SHA ${sha} is shorter than ${IMAGE_TAG_LENGTH} characters`);
  }
  return sha.slice(0, IMAGE_TAG_LENGTH);
}

/**
 * The tag for the work tree in `cwd`: the HEAD SHA, or `<sha>-dirty-<hash>` when there are
 * uncommitted changes. The hash covers the changes, so two different dirty builds never share a tag.
 */
export async function workTreeTag(cwd: string): Promise<string> {
  const git = $({ cwd, quiet: true });
  const sha = commitTag((await git`git rev-parse HEAD`).stdout.trim());
  const status = (await git`git status --porcelain --untracked-files=all`).stdout;
  if (!status.trim()) return sha;
  const diff = (await git`git diff HEAD --binary`).stdout;
  const untracked = status
    .split('\n')
    .filter((line) => line.startsWith('??'))
    .map((line) => line.slice(3));
  const hash = createHash('sha256').update(diff);
  for (const file of untracked) {
    hash.update(file).update((await git`git hash-object -- ${file}`).stdout);
  }
  return `${sha}${DIRTY_MARKER}${hash.digest('hex').slice(0, 8)}`;
}

/** `--sha X` or HEAD, as a release tag. */
export async function resolveReleaseTag(sha: string | undefined, cwd: string): Promise<string> {
  if (sha) return isDirtyTag(sha) ? sha : commitTag(sha);
  return commitTag((await $({ cwd, quiet: true })`git rev-parse HEAD`).stdout.trim());
}

export function refuseDirty(tag: string, allowDirty: boolean | undefined, verb: string): void {
  if (isDirtyTag(tag) && !allowDirty) {
    throw new Error(
      `${tag} was built from a dirty work tree; commit first, or pass --allow-dirty to ${verb} it anyway`,
    );
  }
}

/** HEAD's full SHA, its commit time (seconds since the epoch) and the origin URL, if any. */
export async function headCommit(
  cwd: string,
): Promise<{ sha: string; epoch: number; origin: string }> {
  const git = $({ cwd, quiet: true });
  const [sha, epoch] = (await git`git log -1 --format=%H%n%ct`).stdout.trim().split('\n');
  const origin = await $({ cwd, quiet: true, nothrow: true })`git config --get remote.origin.url`;
  return { sha: sha!, epoch: Number(epoch), origin: origin.stdout };
}

export async function resolveCommit(tag: string, cwd: string): Promise<string | undefined> {
  const sha = tag.split(DIRTY_MARKER)[0]!;
  const output = await $({
    cwd,
    quiet: true,
    nothrow: true,
  })`git rev-parse --verify --quiet ${`${sha}^{commit}`}`;
  if (output.exitCode === 0) return output.stdout.trim();
  // 1 is git's "no such commit"; anything else (a signal, a broken repository) is no answer.
  if (output.exitCode === 1) return undefined;
  throw new Error(`git rev-parse ${sha}: ${output.stderr.trim() || `ended by ${output.signal}`}`);
}

/**
 * A deploy moves forward only: the release must be the live one or a descendant of it in this
 * clone's history. Refuses otherwise (an older or a diverged commit: a slow run, a manual run),
 * unless `allowOlder`; then returns the audit field recording the override.
 */
export async function checkReleaseOrder(
  live: string | undefined,
  target: string,
  cwd: string,
  allowOlder: boolean,
): Promise<{ 'allow-older': string } | undefined> {
  if (!live || live === target) return undefined;
  const [liveCommit, targetCommit] = await Promise.all([
    resolveCommit(live, cwd),
    resolveCommit(target, cwd),
  ]);
  let refusal: string | undefined;
  if (!liveCommit || !targetCommit) {
    const unknown = !liveCommit ? `the live release ${live}` : `the release ${target}`;
    refusal = `${unknown} is not a commit of this clone, so the order of ${target} and ${live} cannot be checked: fetch it (git fetch origin; in a shallow clone git fetch --unshallow; in GitHub Actions check out with fetch-depth: 0)`;
  } else {
    const ancestor = await $({
      cwd,
      quiet: true,
      nothrow: true,
    })`git merge-base --is-ancestor ${liveCommit} ${targetCommit}`;
    if (ancestor.exitCode === 0) return undefined;
    if (ancestor.exitCode !== 1) throw new Error(`git merge-base: ${ancestor.stderr.trim()}`);
    refusal = `${target} is not a descendant of the live release ${live}: deploying it would put older code live (or drop commits of ${live}). To go back to a retained release use pnpm rollback --sha ${target}`;
  }
  if (!allowOlder) throw new Error(`${refusal}; or pass --allow-older to deploy it anyway`);
  return { 'allow-older': live };
}
