module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'update-resolver',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
