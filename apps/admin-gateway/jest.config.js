module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'admin-gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // Services under test answer on the shared fleet.* subjects: one test file at a time.
  maxWorkers: 1,
};
