module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'batch-domain',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
