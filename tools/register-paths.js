// Lets the compiled apps in dist/ resolve `@flotilla/*` imports: the same aliases as tsconfig.base.json,
// pointed at the compiled .js files. Used as `node -r ./tools/register-paths.js dist/apps/<app>/src/main.js`.
'use strict';
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');

const paths = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, [target.replace(/\.ts$/, '.js')]]),
);
tsconfigPaths.register({ baseUrl: path.join(__dirname, '..', 'dist'), paths });
