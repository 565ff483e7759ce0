// The line a test run ends with: each package's Jest run (jest-summary-reporter.js) and the totals
// of `pnpm test`, the image test and the rehearsal. `.ci/run` adds these lines up.

/** @param {{ passed: number, failed: number, skipped: number }} counts */
function formatSummary({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

module.exports = { formatSummary };
