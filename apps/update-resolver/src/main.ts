import 'reflect-metadata';
import { createResolver } from './bootstrap';
import { configFromEnv } from './config';

async function main(): Promise<void> {
  const config = configFromEnv();
  const app = await createResolver(config);
  await app.listen(config.healthPort, '0.0.0.0');
}

main().catch((err) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', service: 'update-resolver', msg: 'failed to start', error: String(err) })}\n`);
  process.exit(1);
});
