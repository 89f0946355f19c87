module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'tenancy-domain',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
