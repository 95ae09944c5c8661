// The cluster tier (`npm run test:cluster`): the integration suite against a Temporal cluster on
// PostgreSQL built from Go modules (test/cluster/global-setup.ts starts it), plus the cluster's own
// tests under test/cluster, which start clusters of their own. See README, "Cluster tier".
const base = require('./jest.config.js');

const integration = base.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...integration,
      displayName: 'cluster',
      testMatch: [...integration.testMatch, '<rootDir>/test/cluster/**/*.test.ts'],
      // These test a server or tool of their own (the CLI's dev server, the demo, the browser UI),
      // not the shared Temporal: they prove nothing more on the cluster.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/(harness|demo|browser)/'],
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
  ],
  reporters: base.reporters,
  testTimeout: base.testTimeout,
  maxWorkers: base.maxWorkers,
};
