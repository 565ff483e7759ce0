import path from 'node:path';

/** The repository root (Dockerfiles, infra/); scripts resolve paths from here, not from cwd. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
