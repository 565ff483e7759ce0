import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearSummaries, collectSummaries, formatSummary } from '../src/lib/test-summary';

function packageWithSummary(root: string, name: string, summary?: object): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'test-results'), { recursive: true });
  if (summary)
    writeFileSync(path.join(dir, 'test-results', 'summary.json'), JSON.stringify(summary));
  return dir;
}

describe('test summary', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'summary-'));

  it('adds up every package and names the ones that reported nothing', () => {
    const dirs = [
      packageWithSummary(root, 'api', { passed: 50, failed: 1, skipped: 0 }),
      packageWithSummary(root, 'worker', { passed: 10, failed: 0, skipped: 2 }),
      packageWithSummary(root, 'db'),
    ];

    expect(collectSummaries(dirs)).toEqual({ passed: 60, failed: 1, skipped: 2, missing: ['db'] });
  });

  it('clears old summaries so a package that crashed cannot report its last run', () => {
    const dir = packageWithSummary(root, 'stale', { passed: 3, failed: 0, skipped: 0 });

    clearSummaries([dir]);

    expect(collectSummaries([dir]).missing).toEqual(['stale']);
  });

  it('prints the closing line CI reads', () => {
    expect(formatSummary({ passed: 7, failed: 0, skipped: 0 })).toBe(
      '7 passed, 0 failed, 0 skipped',
    );
    expect(formatSummary({ passed: 7, failed: 2, skipped: 1 })).toBe(
      '7 passed, 2 failed, 1 skipped',
    );
  });
});
