import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { coalesceNatsWrites, runMain, settleNatsRequestsQuietly } from '@flotilla/nest-platform';
import { createResolver } from './bootstrap';

// Request/reply under load: a turn's replies leave in one socket write (nats-write-coalescing.ts).
coalesceNatsWrites();
// No error built for each request answered (nats-request-settling.ts).
settleNatsRequestsQuietly();

runMain(ServiceNames.updateResolver, async () => {
  await createResolver();
});
