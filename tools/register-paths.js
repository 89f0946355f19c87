// Lets the compiled apps in dist/ resolve `@flotilla/*` imports: the same aliases as tsconfig.base.json,
// pointed at the compiled .js files. Used as `node -r ./tools/register-paths.js dist/apps/<app>/src/main.js`.
// A map looked up per require: tsconfig-paths' register matched every require against patterns and probed files
// for each alias, a tenth of a service's module loading at start.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { compilerOptions } = require('../tsconfig.base.json');

const dist = path.join(__dirname, '..', 'dist');
const aliases = new Map(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    alias,
    path.join(dist, target.replace(/\.ts$/, '.js')),
  ]),
);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases.get(request) ?? request, ...rest);
};
