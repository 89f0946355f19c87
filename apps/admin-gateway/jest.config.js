module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'admin-gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
