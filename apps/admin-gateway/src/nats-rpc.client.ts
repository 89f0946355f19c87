import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { headers as natsHeaders, NatsConnection } from 'nats';
import { ErrorCodes, Reply, ReplyError, RequestHeaders } from '@flotilla/contracts';
import { connectService } from '@flotilla/nest-platform';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { Caller } from './auth/caller';

/** A service answered with an error envelope, or did not answer at all. */
export class RemoteError extends Error {
  constructor(readonly error: ReplyError) {
    super(error.message);
  }
}

/** Commands and queries to the services over NATS request/reply, on behalf of an authenticated caller. */
@Injectable()
export class NatsRpcClient implements OnApplicationShutdown {
  private connection: Promise<NatsConnection>;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.connection = connectService(config.natsUrl, 'admin-gateway');
  }

  async isConnected(): Promise<boolean> {
    return !(await this.connection).isClosed();
  }

  async call<T>(subject: string, payload: unknown, caller?: Caller): Promise<T> {
    const nc = await this.connection;
    const h = natsHeaders();
    h.set(RequestHeaders.actor, caller?.actor ?? 'admin-gateway');
    if (caller?.organizationId) h.set(RequestHeaders.organization, caller.organizationId);
    if (caller?.correlationId) h.set(RequestHeaders.correlationId, caller.correlationId);
    let reply: Reply<T>;
    try {
      const message = await nc.request(subject, Buffer.from(JSON.stringify(payload)), { timeout: this.config.requestTimeoutMs, headers: h });
      reply = JSON.parse(Buffer.from(message.data).toString('utf8'));
    } catch (err) {
      throw new RemoteError({ code: ErrorCodes.unavailable, message: `service unavailable: ${(err as Error).message}` });
    }
    if (!reply.ok) throw new RemoteError(reply.error);
    return reply.data;
  }

  async onApplicationShutdown(): Promise<void> {
    await (await this.connection).drain().catch(() => undefined);
  }
}
