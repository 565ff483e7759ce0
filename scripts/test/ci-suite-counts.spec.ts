import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatSummary } from '../src/lib/test-summary';
import { REPO_ROOT } from '../src/lib/repo-root';

const COUNTS_SCRIPT = path.join(REPO_ROOT, '.ci', 'suite-counts.sh');

interface Suite {
  name: string;
  output: string;
  status: number;
}

/** Runs .ci/run's counting over suites' outputs; returns its messages and the totals it adds up. */
function countSuites(suites: Suite[]): { messages: string[]; totals: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'suite-counts-'));
  const calls = suites.map(({ name, output, status }) => {
    const log = path.join(dir, `${name}.log`);
    writeFileSync(log, output);
    return `count_suite ${name} ${log} ${status}`;
  });
  const stdout = execFileSync(
    'bash',
    [
      '-euo',
      'pipefail',
      '-c',
      `source ${COUNTS_SCRIPT}\n${calls.join('\n')}\necho "$passed $failed $skipped"`,
    ],
    { encoding: 'utf8' },
  );
  const lines = stdout.trimEnd().split('\n');
  return { totals: lines.pop()!, messages: lines };
}

describe('.ci/run counting its suites', () => {
  it('adds up passed, failed and skipped from each suite’s closing line', () => {
    const result = countSuites([
      {
        name: 'tests',
        output: `@starter/api:test: ${formatSummary({ passed: 9, failed: 0, skipped: 0 })}\n${formatSummary({ passed: 40, failed: 1, skipped: 2 })}\n`,
        status: 1,
      },
      {
        name: 'images',
        output: `build…\n${formatSummary({ passed: 5, failed: 0, skipped: 0 })}\n`,
        status: 0,
      },
    ]);

    expect(result).toEqual({ messages: [], totals: '45 1 2' });
  });

  it('counts a suite that reported nothing as a failure, and says so', () => {
    const result = countSuites([
      { name: 'rehearsal', output: 'Error: cannot connect to the registry\n', status: 1 },
      { name: 'images', output: '', status: 0 },
    ]);

    expect(result.totals).toBe('0 2 0');
    expect(result.messages).toEqual([
      'FAILED: rehearsal reported no `N passed, N failed, N skipped` line (exit 1): counted as 1 failure',
      'FAILED: images reported no `N passed, N failed, N skipped` line (exit 0): counted as 1 failure',
    ]);
  });

  it('counts a suite that exited non-zero without a failure in its line as one failure', () => {
    const result = countSuites([
      {
        name: 'tests',
        output: `${formatSummary({ passed: 12, failed: 0, skipped: 0 })}\n`,
        status: 2,
      },
    ]);

    expect(result).toEqual({
      totals: '12 1 0',
      messages: ['FAILED: tests exited 2 without counting a failure: counted as 1 failure'],
    });
  });
});
