// Prints the package's closing line and writes test-results/summary.json ({passed, failed,
// skipped}) for the root `pnpm test` to add up. It is a turbo output, so a cached test run restores
// it too.
const fs = require('node:fs');
const path = require('node:path');
const { formatSummary } = require('./summary-line');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failedToRun = results.numRuntimeErrorTestSuites;
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + failedToRun,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    const dir = path.join(this.rootDir, 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary)}\n`);
    console.log(formatSummary(summary));
  }
}

module.exports = SummaryReporter;
