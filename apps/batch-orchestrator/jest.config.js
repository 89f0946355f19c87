module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'batch-orchestrator',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
