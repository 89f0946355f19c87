// Shared Jest settings: ts-jest transpiles only (the typecheck target type-checks), real NATS and Postgres
// are found or started once per run by the global setup.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json') }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: __dirname + '/' }),
  globalSetup: path.join(__dirname, 'tools/test/global-setup.js'),
  globalTeardown: path.join(__dirname, 'tools/test/global-teardown.js'),
  testTimeout: 60_000,
  // NATS and pg sockets closed in afterAll can outlive Jest's check by a tick; never hang CI on them.
  forceExit: true,
};
