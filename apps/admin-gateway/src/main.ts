import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { runMain } from '@flotilla/nest-platform';
import { createGateway } from './bootstrap';
import { configFromEnv } from './config';

runMain(ServiceNames.adminGateway, async () => {
  const config = configFromEnv();
  const app = await createGateway(config);
  await app.listen(config.port, '0.0.0.0');
});
