import { formatAuditLine, parseAuditLine, parseAuditLog } from '../src/deploy/audit-log';

describe('the audit log', () => {
  const time = new Date('2026-12-02T01:02:03.456Z');

  it('writes one line of key=value fields after the time', () => {
    expect(
      formatAuditLine(
        { actor: 'ci', action: 'deploy', release: 'abc123def456', result: 'success' },
        time,
      ),
    ).toBe('2026-12-02T01:02:03.456Z actor=ci action=deploy release=abc123def456 result=success');
  });

  it('reads back every field, values with spaces and quotes included', () => {
    const holder = 'ann@laptop (deploy abc, since 2026-12-02, id "x")';
    const line = formatAuditLine({ actor: 'ann laptop', action: 'unlock', cleared: holder }, time);
    expect(parseAuditLine(line)).toEqual({
      time: '2026-12-02T01:02:03.456Z',
      actor: 'ann laptop',
      action: 'unlock',
      cleared: holder,
    });
  });

  it('skips lines that are not audit lines', () => {
    const line = formatAuditLine({ actor: 'ci', action: 'rollback', release: 'a' }, time);
    expect(parseAuditLog(`garbage\n${line}\n\n`)).toHaveLength(1);
  });
});
