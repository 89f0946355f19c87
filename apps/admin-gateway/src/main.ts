import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { coalesceNatsWrites, runMain, settleNatsRequestsQuietly } from '@flotilla/nest-platform';
import { createGateway } from './bootstrap';
import { GATEWAY_CONFIG, GatewayConfig } from './config';

// Request/reply under load: a turn's replies leave in one socket write (nats-write-coalescing.ts).
coalesceNatsWrites();
// No error built for each request answered (nats-request-settling.ts).
settleNatsRequestsQuietly();

runMain(ServiceNames.adminGateway, async () => {
  const app = await createGateway();
  await app.listen(app.get<GatewayConfig>(GATEWAY_CONFIG).port, '0.0.0.0');
});
