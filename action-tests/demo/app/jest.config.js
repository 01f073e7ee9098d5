// The dashboard's own test set-up, apart from the suite's: plain CommonJS, no transform, and a
// coverage report in lcov (coverage/lcov.info) for the coverage gate.
'use strict';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  transform: {},
  collectCoverageFrom: ['src/**/*.js'],
  coverageDirectory: 'coverage',
  coverageReporters: ['lcovonly', 'text-summary'],
};
