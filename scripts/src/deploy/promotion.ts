import type { AuditEntry } from './audit-log';

/** Audit actions that put a release live when their result is success. */
const GO_LIVE_ACTIONS = new Set(['deploy', 'rollback', 'promote']);

/** The audit action of the checks run against a live release (pnpm run smoke). */
export const CHECKS_ACTION = 'checks';
export const CHECKS_PASSED = 'passed';
export const CHECKS_FAILED = 'failed';

/** What the source environment's audit log says about one release. */
export interface SourceRecord {
  release: string;
  /** When it last went live there. */
  liveSince: Date;
  /** When another release replaced it; undefined while it is live. */
  liveUntil: Date | undefined;
  /** Seconds it served there, until now or until it was replaced. */
  servedSeconds: number;
  /** The last checks run against it since it went live. */
  checks: AuditEntry | undefined;
}

/** Why a promotion is refused: `overridable` ones give way to --force (and are audited). */
export interface Refusal {
  reason: string;
  overridable: boolean;
}

/**
 * Reads a release's last stretch as the live release of the source from its audit log: the last
 * successful deploy, rollback or promotion of it, until the next one of another release.
 */
export function sourceRecord(
  entries: AuditEntry[],
  release: string,
  now: Date,
): SourceRecord | undefined {
  const wentLive = entries.filter(
    (entry) => GO_LIVE_ACTIONS.has(entry.action) && entry.result === 'success',
  );
  const index = wentLive.findLastIndex((entry) => entry.release === release);
  if (index < 0) return undefined;
  const liveSince = new Date(wentLive[index]!.time);
  const replacedBy = wentLive.slice(index + 1).find((entry) => entry.release !== release);
  const liveUntil = replacedBy ? new Date(replacedBy.time) : undefined;
  // Checks record the live release, so those of this release after liveSince are this stretch's.
  const checks = entries
    .filter(
      (entry) =>
        entry.action === CHECKS_ACTION &&
        entry.release === release &&
        new Date(entry.time) >= liveSince,
    )
    .at(-1);
  return {
    release,
    liveSince,
    liveUntil,
    servedSeconds: Math.floor(((liveUntil ?? now).getTime() - liveSince.getTime()) / 1000),
    checks,
  };
}

/** Every reason the source's record gives to refuse promoting its release. */
export function promotionRefusals(
  source: string,
  record: SourceRecord | undefined,
  release: string,
  bakeSeconds: number,
): Refusal[] {
  if (!record) {
    return [{ reason: `${release} never went live on ${source}`, overridable: false }];
  }
  const refusals: Refusal[] = [];
  if (!record.checks) {
    refusals.push({
      reason: `${release} has no checks result on ${source} since it went live at ${record.liveSince.toISOString()} (pnpm run smoke --env ${source})`,
      overridable: true,
    });
  } else if (record.checks.result !== CHECKS_PASSED) {
    refusals.push({
      reason: `${release} failed its checks on ${source} at ${record.checks.time}${record.checks.failed ? ` (${record.checks.failed})` : ''}`,
      overridable: true,
    });
  }
  if (record.servedSeconds < bakeSeconds) {
    refusals.push({
      reason: `${release} ran ${record.servedSeconds}s on ${source}${record.liveUntil ? ' before it was replaced' : ''}, less than the bake time of ${bakeSeconds}s (DEPLOY_PROMOTE_BAKE_SECONDS)`,
      overridable: true,
    });
  }
  return refusals;
}

/** Seconds until the release has baked on the source, for a promotion that waits; 0 if never. */
export function secondsUntilBaked(record: SourceRecord, bakeSeconds: number): number {
  return record.liveUntil ? 0 : Math.max(0, bakeSeconds - record.servedSeconds);
}
