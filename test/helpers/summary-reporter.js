// Writes jest's own totals (not `success`: jest settles it only after the reporters have run) to test-results/summary.json so .ci/run can print `N passed, N failed`.
// The cluster tier (jest.cluster.config.js) passes `{ file: 'cluster-summary.json' }`, so it never overwrites the main run's totals.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(_globalConfig, options = {}) {
    const file = options.file ?? 'summary.json';
    if (typeof file !== 'string' || path.basename(file) !== file || !file.endsWith('.json')) {
      throw new TypeError(`summary-reporter: file must be a plain *.json file name; got ${JSON.stringify(file)}`);
    }
    this.file = file;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '..', '..', 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      total: results.numTotalTests,
      failedSuites: results.numFailedTestSuites,
      runtimeErrorSuites: results.numRuntimeErrorTestSuites,
    };
    fs.writeFileSync(path.join(dir, this.file), JSON.stringify(summary, null, 2));
  }
}

module.exports = SummaryReporter;
