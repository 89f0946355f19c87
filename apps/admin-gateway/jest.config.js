module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'admin-gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // A test file starts services of its own (on its own subjects): one file at a time per project, for the CPU.
  maxWorkers: 1,
};
