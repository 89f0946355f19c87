module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'batch-read-model',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
