module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'batch-orchestrator',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // A test file starts services of its own (on its own subjects): one file at a time per project, for the CPU.
  maxWorkers: 1,
};
