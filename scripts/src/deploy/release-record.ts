import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/repo-root';
import type { ReleaseDigests } from './compose-env';

/** What a deploy or a promotion put (or tried to put) live, for `pnpm run ci:summary`. */
export const RELEASE_RECORD_FILE = path.join(REPO_ROOT, '.deploy/release.json');

export interface ReleaseRecord {
  /** The environment deployed to; undefined without --env. */
  environment: string | undefined;
  tag: string;
  commit: string;
  digests: ReleaseDigests;
  /** A promotion's source: what its host recorded about the release. */
  promotedFrom?: { environment: string; liveSince: string; checks: string };
}

/** Cleared when a deploy starts: a summary never shows an earlier run's release. */
export function clearReleaseRecord(file = RELEASE_RECORD_FILE): void {
  rmSync(file, { force: true });
}

export function writeReleaseRecord(record: ReleaseRecord, file = RELEASE_RECORD_FILE): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

export function readReleaseRecord(file = RELEASE_RECORD_FILE): ReleaseRecord | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ReleaseRecord;
}
