module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'nest-platform',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
