import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestCounts } from '@starter/testing/summary-line';

export { formatSummary, type TestCounts } from '@starter/testing/summary-line';

const summaryFile = (dir: string) => path.join(dir, 'test-results', 'summary.json');

/** Removes every package's last summary, so a package whose tests never ran cannot report old numbers. */
export function clearSummaries(dirs: string[]): void {
  for (const dir of dirs) rmSync(summaryFile(dir), { force: true });
}

/** Adds up the summaries the Jest reporter wrote (or turbo restored from its cache). */
export function collectSummaries(dirs: string[]): TestCounts & { missing: string[] } {
  const total = { passed: 0, failed: 0, skipped: 0, missing: [] as string[] };
  for (const dir of dirs) {
    const file = summaryFile(dir);
    if (!existsSync(file)) {
      total.missing.push(path.basename(dir));
      continue;
    }
    const counts = JSON.parse(readFileSync(file, 'utf8')) as TestCounts;
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  }
  return total;
}
