module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'update-domain',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
