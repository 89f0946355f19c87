import path from 'node:path';
import { exitOnSignals, startBuiltService } from '@flotilla/testing';
import { runChaos } from './run-chaos';

// `npm run chaos -- [scenario...] [--scale=N] [--down-ms=N]`: NATS_URL and DATABASE_URL come from tools/run-app.js;
// scenarios that restart a server start their own. Exits 1 when anything did not hold.
async function main(): Promise<void> {
  // Stopped by a signal, it takes the services and servers it started with it.
  exitOnSignals();
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const scale = Number(option('scale') ?? 1);
  const down = option('down-ms');
  const downMs = down === undefined ? undefined : Number(down);
  if (!(scale > 0) || (downMs !== undefined && !(downMs >= 0)))
    throw new Error('--scale must be a number above 0 and --down-ms a number of milliseconds');
  const { report } = await runChaos(
    args.filter((a) => !a.startsWith('--')),
    {
      natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
      scale,
      downMs,
      progress: (message) => process.stderr.write(`[chaos] ${message}\n`),
      launch: (app, env) => startBuiltService(app, env),
    },
    path.resolve(process.env.FLOTILLA_DATA_DIR ?? '.flotilla', 'chaos'),
  );
  if (report.verdicts.some((v) => !v.held)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
