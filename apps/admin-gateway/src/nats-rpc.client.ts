import { Inject, Injectable, Logger, OnApplicationShutdown, PayloadTooLargeException } from '@nestjs/common';
import { ErrorCode as NatsErrorCode, NatsConnection, NatsError } from 'nats';
import {
  ErrorCodes,
  isPrincipalRefusal,
  Reply,
  ReplyError,
  RequestOf,
  ResponseOf,
  Subject,
  subjectOn,
} from '@flotilla/contracts';
import {
  busRequest,
  busRequestParts,
  BusRequestOptions,
  connectService,
  isConnectedNow,
  UnsignedPrincipal,
} from '@flotilla/nest-platform';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { Caller } from './auth/caller';

/** A request's fields, their values as the caller got them: the service validates them. */
export type PayloadOf<S> = { [K in keyof RequestOf<S>]?: unknown };

/** A service answered with an error envelope, or did not answer at all. */
export class RemoteError extends Error {
  constructor(
    readonly error: ReplyError,
    /** No service listens on the subject (NATS said so at once): none running, or none of a release that has it. */
    readonly noResponders = false,
  ) {
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
  /** Null until NATS is first reached: the gateway starts without it, not ready, and answers 503 meanwhile. */
  private connection: NatsConnection | null = null;
  private readonly logger = new Logger('rpc');

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    connectService(config.nats, 'admin-gateway', { waitForServer: true }).then(
      (nc) => (this.connection = nc),
      (err: Error) => {
        // Not NATS being away (that is waited out) but settings it cannot use, such as an unreadable credentials file.
        new Logger('nats').fatal({ msg: 'cannot connect to NATS', error: err.message });
        process.exit(1);
      },
    );
  }

  /** Connected now: a connection reconnecting (NATS restarting, a node of a cluster gone) is not. */
  async isConnected(): Promise<boolean> {
    return this.connection !== null && isConnectedNow(this.connection);
  }

  /** Not closed (connections reconnect for ever, so only a bug closes one); reaching NATS the first time is alive. */
  async isOpen(): Promise<boolean> {
    return !this.connection?.isClosed();
  }

  /**
   * Sends a subject's request and returns its reply's data. Values are checked by the service (every problem listed
   * there); the compiler checks the fields are the ones the request class declares.
   */
  async call<S extends Subject>(subject: S, payload: PayloadOf<S>, caller?: Caller): Promise<ResponseOf<S>> {
    const reply = await this.send(caller, (nc, options) =>
      busRequest<ResponseOf<S>>(nc, subjectOn(this.config.rpcPrefix, subject), payload, options),
    );
    return this.dataOf(subject, reply);
  }

  /**
   * Sends the request of a subject that answers in parts and hands each part's data to `take` until it says the
   * answer is whole. Fails as `call` does.
   */
  async callInParts<S extends Subject>(
    subject: S,
    payload: PayloadOf<S>,
    caller: Caller,
    take: (data: ResponseOf<S>) => boolean,
  ): Promise<void> {
    await this.send(caller, (nc, options) =>
      busRequestParts<ResponseOf<S>>(nc, subjectOn(this.config.rpcPrefix, subject), payload, options, (reply) =>
        take(this.dataOf(subject, reply)),
      ),
    );
  }

  /** Signs as the caller (root for the root token, else its organization) and maps a request that went nowhere. */
  private async send<T>(
    caller: Caller | undefined,
    request: (nc: NatsConnection, options: BusRequestOptions) => Promise<T>,
  ): Promise<T> {
    const nc = this.connection;
    if (!nc)
      throw new RemoteError({ code: ErrorCodes.unavailable, message: 'service unavailable: NATS not reached yet' });
    const principal: UnsignedPrincipal = caller?.organizationId
      ? { kind: 'organization', organizationId: caller.organizationId, actor: caller.actor }
      : { kind: 'root', actor: caller?.actor ?? 'admin-gateway' };
    try {
      return await request(nc, {
        principal,
        key: this.config.busKey,
        timeoutMs: this.config.requestTimeoutMs,
        correlationId: caller?.correlationId,
      });
    } catch (err) {
      if (err instanceof RemoteError) throw err; // a reply's own error, from `dataOf`
      // A body within the gateway's limit can still grow past the bus's once encoded (`1e9` is `1000000000`).
      if (err instanceof NatsError && err.code === NatsErrorCode.MaxPayloadExceeded)
        throw new PayloadTooLargeException(
          `request is larger than the bus carries (${nc.info?.max_payload ?? 'its limit in'} bytes) once encoded`,
        );
      throw new RemoteError(
        { code: ErrorCodes.unavailable, message: `service unavailable: ${(err as Error).message}` },
        err instanceof NatsError && err.code === NatsErrorCode.NoResponders,
      );
    }
  }

  /** A reply's data, or the error it answered with. */
  private dataOf<T>(subject: Subject, reply: Reply<T>): T {
    if (!reply.ok && isPrincipalRefusal(reply.error)) {
      // The gateway signs every call: a refusal is this deployment's keys or clocks, not the caller's token.
      this.logger.error({
        msg: 'a service refused the principal the gateway signed: FLOTILLA_BUS_KEY differs between them, or their clocks are over a minute apart',
        subject: subject.name,
        error: reply.error.message,
      });
      throw new RemoteError({ code: ErrorCodes.unavailable, message: 'service unavailable: it refused the gateway' });
    }
    if (!reply.ok) throw new RemoteError(reply.error);
    return reply.data;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.drain().catch(() => undefined);
  }
}
