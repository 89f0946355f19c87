module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'tenancy-read-model',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
