// Writes jest's own totals (not `success`: jest settles it only after the reporters have run) to test-results/summary.json so .ci/run can print `N passed, N failed`.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
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
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  }
}

module.exports = SummaryReporter;
