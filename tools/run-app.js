#!/usr/bin/env node
// `node tools/run-app.js <app> [args...]`: builds one app (the bench harness, the operators' CLI) and runs it
// with NATS and Postgres found or started as for `npm start`. Behind `npm run bench` and `npm run cli`.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { constants } = require('node:os');
const path = require('node:path');
const { ensureInfra, localSecrets, ROOT } = require('./infra');

async function main() {
  const [app, ...args] = process.argv.slice(2);
  const build = spawnSync(path.join(ROOT, 'node_modules/.bin/nx'), ['build', app, '--outputStyle=static'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (build.status !== 0) throw new Error(`build of ${app} failed`);
  const infra = await ensureInfra();
  const child = spawn(
    process.execPath,
    ['-r', path.join(__dirname, 'register-paths.js'), path.join(ROOT, 'dist/apps', app, 'src/main.js'), ...args],
    {
      stdio: 'inherit',
      env: { ...localSecrets(), ...process.env, NATS_URL: infra.natsUrl, DATABASE_URL: infra.databaseUrl },
    },
  );
  // A signal to this process is the app's too (it stops what it started), and the servers started here stop after it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const [code, signal] = await new Promise((resolve) => child.once('exit', (...ended) => resolve(ended)));
  await infra.stop();
  process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
