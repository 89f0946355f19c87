#!/usr/bin/env node
// `npm run cli -- <command>`: builds and runs the operators' CLI (apps/cli) with NATS and Postgres found as for
// `npm start`. Without arguments it prints its usage.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ensureInfra, ROOT } = require('./infra');

async function main() {
  const build = spawnSync(path.join(ROOT, 'node_modules/.bin/nx'), ['build', 'cli', '--outputStyle=static'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (build.status !== 0) throw new Error('build failed');
  const infra = await ensureInfra();
  const run = spawnSync(process.execPath, ['-r', path.join(__dirname, 'register-paths.js'), path.join(ROOT, 'dist/apps/cli/src/main.js'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NATS_URL: infra.natsUrl, DATABASE_URL: infra.databaseUrl },
  });
  await infra.stop();
  process.exit(run.status ?? 1);
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
