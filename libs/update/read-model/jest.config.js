module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'update-read-model',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
