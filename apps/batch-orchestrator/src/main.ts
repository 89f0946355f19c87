import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { runMain } from '@flotilla/nest-platform';
import { createOrchestrator } from './bootstrap';
import { configFromEnv } from './config';

runMain(ServiceNames.batchOrchestrator, async () => {
  const config = configFromEnv();
  const app = await createOrchestrator(config);
  await app.listen(config.healthPort, '0.0.0.0');
});
