import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { ErrorCodes, Reply, ReplyError } from '@flotilla/contracts';
import { busRequest, connectService, UnsignedPrincipal } from '@flotilla/nest-platform';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { Caller } from './auth/caller';

/** A service answered with an error envelope, or did not answer at all. */
export class RemoteError extends Error {
  constructor(readonly error: ReplyError) {
    super(error.message);
  }
}

/**
 * Commands and queries to the services over NATS request/reply, each carrying the principal of the authenticated
 * caller, signed with the bus key: root for the root token, one organization for its API keys. Calls the gateway
 * makes for itself (authenticating a key, the device API) go as root under its own name.
 */
@Injectable()
export class NatsRpcClient implements OnApplicationShutdown {
  private connection: Promise<NatsConnection>;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.connection = connectService(config.nats, 'admin-gateway');
  }

  async isConnected(): Promise<boolean> {
    return !(await this.connection).isClosed();
  }

  async call<T>(subject: string, payload: unknown, caller?: Caller): Promise<T> {
    const nc = await this.connection;
    const principal: UnsignedPrincipal = caller?.organizationId
      ? { kind: 'organization', organizationId: caller.organizationId, actor: caller.actor }
      : { kind: 'root', actor: caller?.actor ?? 'admin-gateway' };
    let reply: Reply<T>;
    try {
      reply = await busRequest<T>(nc, subject, payload, {
        principal,
        key: this.config.busKey,
        timeoutMs: this.config.requestTimeoutMs,
        correlationId: caller?.correlationId,
      });
    } catch (err) {
      throw new RemoteError({
        code: ErrorCodes.unavailable,
        message: `service unavailable: ${(err as Error).message}`,
      });
    }
    if (!reply.ok) throw new RemoteError(reply.error);
    return reply.data;
  }

  async onApplicationShutdown(): Promise<void> {
    await (await this.connection).drain().catch(() => undefined);
  }
}
