// Two projects: `unit` tests the pure logic beside the sources; `actions` runs the
// compiled bundles the way the runner does (see action-tests/harness).
const transform = { '^.+\\.ts$': 'ts-jest' };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/actions/**/*.test.ts'],
    },
    {
      displayName: 'actions',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/action-tests/**/*.test.ts'],
    },
  ],
};
