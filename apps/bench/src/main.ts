import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { settleNatsRequestsQuietly } from '@flotilla/nest-platform';
import { exited, exitOnSignals, startBuiltService } from '@flotilla/testing';
import { runBench } from './run-bench';

// The bench's clients stand in for the gateway and are set up as it is: no error built for each request answered.
settleNatsRequestsQuietly();

/** Keys of this run's services, made for it. */
const KEYS = Object.fromEntries(
  ['FLOTILLA_BUS_KEY', 'FIRMWARE_URL_SIGNING_KEY', 'DEVICE_CREDENTIAL_KEY'].map((name) => [
    name,
    randomBytes(32).toString('base64url'),
  ]),
);

/**
 * Node options for the services and the CLI a scenario runs (`nx build bench` builds them too), from
 * `BENCH_SERVICE_NODE_ARGS`: e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile them under a scenario.
 */
const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Runs a built service as its own process. */
function launch(app: string, env: Record<string, string>) {
  return Promise.resolve(startBuiltService(app, { ...KEYS, ...env }, { nodeArgs, stderrOnly: true }));
}

// `npm run bench -- [scenario...] [--scale=N]`; NATS_URL and DATABASE_URL come from tools/run-app.js.
async function main(): Promise<void> {
  // Stopped by a signal, it takes the services it started with it.
  exitOnSignals();
  const args = process.argv.slice(2);
  const scale = Number(args.find((a) => a.startsWith('--scale='))?.split('=')[1] ?? 1);
  await runBench(
    args.filter((a) => !a.startsWith('--')),
    {
      natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
      scale,
      busKey: KEYS.FLOTILLA_BUS_KEY,
      progress: (message) => process.stderr.write(`[bench] ${message}\n`),
      launch,
      cli: (args, env) => exited(startBuiltService('cli', env, { args, nodeArgs, stderrOnly: true })),
    },
    path.resolve(process.env.FLOTILLA_DATA_DIR ?? '.flotilla', 'bench'),
  );
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
