import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { coalesceNatsWrites, runMain, settleNatsRequestsQuietly } from '@flotilla/nest-platform';
import { createOrchestrator } from './bootstrap';
import { CONFIG, OrchestratorConfig } from './config';

// No error built for each request answered, JetStream publishes included (nats-request-settling.ts).
settleNatsRequestsQuietly();
// A callback's NATS writes leave in one socket write (nats-write-coalescing.ts).
coalesceNatsWrites('ticks');

runMain(ServiceNames.batchOrchestrator, async () => {
  const app = await createOrchestrator();
  await app.listen(app.get<OrchestratorConfig>(CONFIG).healthPort, '0.0.0.0');
});
