import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { runMain } from '@flotilla/nest-platform';
import { createResolver } from './bootstrap';

runMain(ServiceNames.updateResolver, async () => {
  await createResolver();
});
