import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './repo-root';

/** Directories of every workspace package (apps/*, packages/*, scripts, e2e). */
export function workspaceDirs(root = REPO_ROOT): string[] {
  const children = (dir: string) =>
    existsSync(path.join(root, dir))
      ? readdirSync(path.join(root, dir)).map((name) => path.join(root, dir, name))
      : [];
  return [
    ...children('apps'),
    ...children('packages'),
    path.join(root, 'scripts'),
    path.join(root, 'e2e'),
  ].filter((dir) => existsSync(path.join(dir, 'package.json')));
}

/** The root package.json's scripts: the verbs the README and the workflows name. */
export function rootScripts(root = REPO_ROOT): Record<string, string> {
  return (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
}

/**
 * The TypeScript file a root script runs, or undefined for a script that is not a TypeScript
 * entry point. The verbs run as one node process with tsx's loader (`node --import=tsx`), never
 * under the tsx CLI: its wrapper process SIGKILLs a child that does not acknowledge a Ctrl-C
 * within 30 ms, which a deploy busy on a loaded machine does not, killing it mid-step.
 */
export function scriptEntryFile(command: string): string | undefined {
  return /^node (?:--\S+ )*--import=tsx (?:--\S+ )*(\S+\.ts)$/.exec(command)?.[1];
}
