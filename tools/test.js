#!/usr/bin/env node
// `npm test`: finds or starts NATS and Postgres once (tools/infra.js), then type-checks, lints and tests every
// project through Nx with those servers, and stops whatever it started.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { ensureInfra, DEFAULT_DATA_DIR } = require('./infra');
const { keepStoreDirectory } = require('./test/keep-store-directory');
const { FailureRecap } = require('./test/failure-recap');

// Runs a command with its output passed through and read by `recap` line by line, each stream apart.
function run(command, args, env, recap) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'], env });
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      from.pipe(to, { end: false });
      readline.createInterface({ input: from }).on('line', (line) => recap.line(line));
    }
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main() {
  const infra = await ensureInfra({ dataDir: path.join(DEFAULT_DATA_DIR, 'test') });
  process.stderr.write(`[test] NATS ${infra.natsUrl} (${infra.sources.nats}); Postgres (${infra.sources.postgres})\n`);
  await keepStoreDirectory(infra.natsUrl);
  const env = {
    ...process.env,
    NATS_URL: infra.natsUrl,
    DATABASE_URL: infra.databaseUrl,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
  };
  const nx = path.join(__dirname, '..', 'node_modules', '.bin', 'nx');
  // Prettier checks every file it formats; the lint target checks the TypeScript again, with the rest of lint.
  const prettier = path.join(__dirname, '..', 'node_modules', '.bin', 'prettier');
  let status = spawnSync(prettier, ['--check', '.', '--log-level=warn'], { stdio: 'inherit' }).status ?? 1;
  const recap = new FailureRecap();
  for (const target of ['typecheck', 'lint', 'test']) {
    if (status !== 0) break;
    // Every test environment has subjects, streams and a database of its own, so projects run side by side.
    const parallel = '--parallel=2';
    status = await run(
      nx,
      ['run-many', '-t', target, parallel, '--outputStyle=static', ...process.argv.slice(2)],
      env,
      recap,
    );
  }
  process.stderr.write(recap.report());
  await infra.stop();
  process.exit(status);
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
