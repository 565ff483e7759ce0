import { existsSync, readdirSync } from 'node:fs';
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
