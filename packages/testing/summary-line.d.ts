export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function formatSummary(counts: TestCounts): string;
