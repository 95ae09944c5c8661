// Two projects: unit tests need no server; integration tests share one Temporal dev server
// started in global setup (see test/helpers/global-setup.ts).
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, sourceMap: true }, diagnostics: false }],
};

const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/lib/'],
  clearMocks: true,
  // Every test file removes the temp folders it made (test/helpers/hygiene.ts).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/hygiene-after-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      // No temp folder, process or port may outlive the run (test/helpers/hygiene.ts).
      globalSetup: '<rootDir>/test/helpers/hygiene-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/hygiene-teardown.ts',
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
  testTimeout: 120000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
