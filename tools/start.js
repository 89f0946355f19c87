#!/usr/bin/env node
// `npm start`: builds the apps, finds or starts NATS and Postgres (tools/infra.js), starts the services and the
// gateway, seeds a demo organization and project, and prints the gateway URL, a token and a curl line that
// creates a batch.
// Ctrl-C stops everything it started.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureInfra, freePort, localSecrets, ROOT, DEFAULT_DATA_DIR } = require('./infra');

const APPS = [
  { name: 'batch-orchestrator', healthPortEnv: 'HEALTH_PORT' },
  { name: 'update-resolver', healthPortEnv: 'HEALTH_PORT' },
  { name: 'admin-gateway', healthPortEnv: 'PORT' },
];

function say(message) {
  process.stderr.write(`[start] ${message}\n`);
}

async function portOr(preferred) {
  const net = require('node:net');
  const free = await new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(preferred, '0.0.0.0', () => server.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

async function waitReady(url, child, name) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (code ${child.exitCode}); see ${logFile(name)}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready at ${url} within 60 s; see ${logFile(name)}`);
}

function logFile(name) {
  return path.join(DEFAULT_DATA_DIR, 'logs', `${name}.log`);
}

async function api(base, method, route, token, body) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The demo organization, project and API key: created once, reused while the database still knows them. */
async function seedDemo(base, rootToken) {
  const file = path.join(DEFAULT_DATA_DIR, 'demo.json');
  if (fs.existsSync(file)) {
    const demo = JSON.parse(fs.readFileSync(file, 'utf8'));
    const check = await fetch(`${base}/projects/${demo.projectId}`, { headers: { 'x-auth-token': demo.token } });
    if (check.status === 200) return demo;
  }
  const organization = await api(base, 'POST', '/organizations', rootToken, { name: 'Demo' });
  const project = await api(base, 'POST', `/organizations/${organization.id}/projects`, rootToken, { name: 'demo' });
  const key = await api(base, 'POST', `/organizations/${organization.id}/api-keys`, rootToken, { description: 'demo' });
  const demo = { organizationId: organization.id, projectId: project.id, token: key.token };
  fs.writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}

async function main() {
  say('building the apps');
  const build = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'nx'),
    ['run-many', '-t', 'build', '--outputStyle=static'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    },
  );
  if (build.status !== 0) throw new Error('build failed');

  const infra = await ensureInfra();
  say(`NATS ${infra.natsUrl} (${infra.sources.nats}); Postgres (${infra.sources.postgres})`);
  fs.mkdirSync(path.join(DEFAULT_DATA_DIR, 'logs'), { recursive: true });

  const gatewayPort = await portOr(Number(process.env.PORT ?? 3000));
  const ports = {
    'batch-orchestrator': await portOr(3101),
    'update-resolver': await portOr(3102),
    'admin-gateway': gatewayPort,
  };
  const children = [];
  const stopAll = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    await infra.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stopAll().then(() => process.exit(0)));
  // However this process ends, the apps it started end with it.
  process.on('exit', () => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM')));

  try {
    for (const app of APPS) {
      const out = fs.openSync(logFile(app.name), 'a');
      const child = spawn(
        process.execPath,
        ['-r', path.join(__dirname, 'register-paths.js'), path.join(ROOT, 'dist/apps', app.name, 'src/main.js')],
        {
          cwd: ROOT,
          stdio: ['ignore', out, out],
          env: {
            ...process.env,
            ...localSecrets(),
            NATS_URL: infra.natsUrl,
            DATABASE_URL: infra.databaseUrl,
            FLOTILLA_DATA_DIR: DEFAULT_DATA_DIR,
            [app.healthPortEnv]: String(ports[app.name]),
          },
        },
      );
      children.push(child);
      await waitReady(`http://127.0.0.1:${ports[app.name]}/health/ready`, child, app.name);
      say(`${app.name} ready (logs: ${logFile(app.name)})`);
    }

    const base = `http://127.0.0.1:${gatewayPort}`;
    const rootToken =
      process.env.FLOTILLA_ADMIN_TOKEN ?? fs.readFileSync(path.join(DEFAULT_DATA_DIR, 'admin-token'), 'utf8').trim();
    const demo = await seedDemo(base, rootToken);
    process.stdout.write(
      [
        '',
        `Flotilla is running. Gateway: ${base}  (API docs: ${base}/docs)`,
        `Demo organization ${demo.organizationId}, project ${demo.projectId}`,
        `Demo API key (X-Auth-Token): ${demo.token}`,
        `Root token: in ${path.join(DEFAULT_DATA_DIR, 'admin-token')} (or FLOTILLA_ADMIN_TOKEN)`,
        '',
        'Deploy three servers (then GET the batch it returns, or /projects/<id>/devices):',
        `  curl -s -H 'X-Auth-Token: ${demo.token}' -H 'Content-Type: application/json' ${base}/projects/${demo.projectId}/devices/batch \\`,
        `    -d '{"batches":[{"plan":"c3.medium.x86","operating_system":"ubuntu_22_04","facility":["sjc1","any"],"hostname":"web{{index}}","quantity":3}]}'`,
        '',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err) => {
  process.stderr.write(`[start] ${err.message}\n`);
  process.exit(1);
});
