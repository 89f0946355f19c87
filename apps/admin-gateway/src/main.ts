import 'reflect-metadata';
import { createGateway } from './bootstrap';
import { configFromEnv } from './config';

async function main(): Promise<void> {
  const config = configFromEnv();
  const app = await createGateway(config);
  await app.listen(config.port, '0.0.0.0');
}

main().catch((err) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', service: 'admin-gateway', msg: 'failed to start', error: String(err) })}\n`);
  process.exit(1);
});
