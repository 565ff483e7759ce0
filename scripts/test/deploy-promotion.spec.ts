import { formatAuditLine, parseAuditLog } from '../src/deploy/audit-log';
import { promotionRefusals, secondsUntilBaked, sourceRecord } from '../src/deploy/promotion';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
const line = (minute: number, fields: Record<string, string>) =>
  formatAuditLine({ actor: 'ci', action: 'deploy', ...fields }, at(minute));
const log = (...lines: string[]) => parseAuditLog(lines.join('\n'));
const A = 'aaaaaaaaaaaa';
const B = 'bbbbbbbbbbbb';
const reasons = (refusals: { reason: string }[]) => refusals.map(({ reason }) => reason);

describe("a promotion reads the source's audit log", () => {
  it('promotes a release that went live, passed its checks and served the bake time', () => {
    const entries = log(
      line(0, { release: A, result: 'success' }),
      line(1, { action: 'checks', release: A, result: 'passed' }),
    );
    const record = sourceRecord(entries, A, at(10));
    expect(record).toMatchObject({ liveSince: at(0), liveUntil: undefined, servedSeconds: 600 });
    expect(promotionRefusals('staging', record, A, 600)).toEqual([]);
  });

  it('refuses a release the source never ran, and one whose deploy failed there, without override', () => {
    const entries = log(line(0, { release: A, result: 'failed:switch-api' }));
    for (const release of [A, B]) {
      expect(
        promotionRefusals('staging', sourceRecord(entries, release, at(30)), release, 600),
      ).toEqual([{ reason: `${release} never went live on staging`, overridable: false }]);
    }
  });

  it('refuses failed checks and missing checks, overridably', () => {
    const failed = log(
      line(0, { release: A, result: 'success' }),
      line(1, { action: 'checks', release: A, result: 'passed' }),
      line(2, { action: 'checks', release: A, result: 'failed', failed: 'create an item' }),
    );
    expect(promotionRefusals('staging', sourceRecord(failed, A, at(30)), A, 600)).toEqual([
      {
        reason: `${A} failed its checks on staging at ${at(2).toISOString()} (create an item)`,
        overridable: true,
      },
    ]);
    // Checks of an earlier stretch live say nothing about this one.
    const stale = log(
      line(0, { release: A, result: 'success' }),
      line(1, { action: 'checks', release: A, result: 'passed' }),
      line(2, { release: B, result: 'success' }),
      line(3, { action: 'rollback', release: A, result: 'success' }),
    );
    expect(reasons(promotionRefusals('staging', sourceRecord(stale, A, at(30)), A, 600))).toEqual([
      `${A} has no checks result on staging since it went live at ${at(3).toISOString()} (pnpm run smoke --env staging)`,
    ]);
  });

  it('refuses a release younger than the bake time, and says how long to wait while it is live', () => {
    const entries = log(
      line(0, { release: A, result: 'success' }),
      line(1, { action: 'checks', release: A, result: 'passed' }),
    );
    const record = sourceRecord(entries, A, at(4))!;
    expect(promotionRefusals('staging', record, A, 600)).toEqual([
      {
        reason: `${A} ran 240s on staging, less than the bake time of 600s (DEPLOY_PROMOTE_BAKE_SECONDS)`,
        overridable: true,
      },
    ]);
    expect(secondsUntilBaked(record, 600)).toBe(360);
    expect(promotionRefusals('staging', record, A, 0)).toEqual([]);
  });

  it('a release replaced on the source served until it was replaced; a failed deploy after it did not replace it', () => {
    const entries = log(
      line(0, { release: A, result: 'success' }),
      line(1, { action: 'checks', release: A, result: 'passed' }),
      line(3, { release: B, result: 'failed:verify' }),
      line(5, { release: B, result: 'success' }),
    );
    const record = sourceRecord(entries, A, at(60))!;
    expect(record).toMatchObject({ liveUntil: at(5), servedSeconds: 300 });
    expect(reasons(promotionRefusals('staging', record, A, 600))).toEqual([
      `${A} ran 300s on staging before it was replaced, less than the bake time of 600s (DEPLOY_PROMOTE_BAKE_SECONDS)`,
    ]);
    expect(secondsUntilBaked(record, 600)).toBe(0);
  });
});
