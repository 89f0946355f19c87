import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@flotilla/nest-platform';
import { NatsRpcClient } from './nats-rpc.client';

/** The gateway is stateless: it is ready while it is connected to the bus, alive while its connection is not closed. */
@Injectable()
export class GatewayHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    private readonly rpc: NatsRpcClient,
  ) {}

  onModuleInit(): void {
    this.health.register('nats', async () => ({ ok: await this.rpc.isConnected() }));
    this.health.registerLiveness('nats', async () => ({ ok: await this.rpc.isOpen() }));
  }
}
