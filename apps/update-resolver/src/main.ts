import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { runMain } from '@flotilla/nest-platform';
import { createResolver } from './bootstrap';
import { configFromEnv } from './config';

runMain(ServiceNames.updateResolver, async () => {
  const config = configFromEnv();
  await createResolver(config);
});
