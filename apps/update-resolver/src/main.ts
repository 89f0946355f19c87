import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { coalesceNatsWrites, runMain } from '@flotilla/nest-platform';
import { createResolver } from './bootstrap';

// Request/reply under load: a turn's replies leave in one socket write (nats-write-coalescing.ts).
coalesceNatsWrites();

runMain(ServiceNames.updateResolver, async () => {
  await createResolver();
});
