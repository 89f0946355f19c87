import { Logger } from '@nestjs/common';
import { MessagePattern, NatsContext, NatsOptions, ServerNats } from '@nestjs/microservices';
import { ErrorCode as NatsErrorCode, Msg, NatsConnection, NatsError, Subscription } from 'nats';
import { ErrorCodes, Subject } from '@flotilla/contracts';
import { describeError } from '@flotilla/event-store';
import { natsConnectOptions, NatsSettings } from '../nats-connection';
import { DirectResponder, DirectRoute } from './direct-route';
import { PlainJsonRequestDeserializer, ReplyEnvelopeSerializer } from './reply-codec';

/** Binds a handler to a subject of the registry, in the queue group of the service that answers it. */
export const Handles = (subject: Subject) => MessagePattern(subject.name, { queue: subject.service });

/** Hot subjects answered outside Nest's pipeline (direct-route.ts), and who answers them. */
export interface DirectRoutes {
  responder: DirectResponder;
  routes: DirectRoute[];
}

/** How long a service told to stop waits for the requests it has taken: past it, their callers have given up. */
const ANSWER_IN_HAND_WITHIN_MS = 10_000;

/** Nest's NATS server, listening on every handler's subject (and direct route's) under the deployment's prefix. */
class PrefixedNatsServer extends ServerNats {
  private readonly direct: Subscription[] = [];
  private readonly rpcLogger = new Logger('rpc');
  private subscriber: NatsConnection | null = null;
  /** Requests taken and not answered yet, each counted once, and who waits for there to be none. */
  private inHand = 0;
  private readonly counted = new WeakSet<Msg>();
  private idle: (() => void) | null = null;

  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly prefix: string,
    private readonly directRoutes: DirectRoutes | undefined,
  ) {
    super(options);
  }

  override addHandler(...[pattern, ...rest]: Parameters<ServerNats['addHandler']>): void {
    super.addHandler(`${this.prefix}.${pattern}`, ...rest);
  }

  /** Patterns are subject names, never JSON: Nest's attempt to parse one throws and catches on every message. */
  protected override getRouteFromPattern(pattern: string): string {
    return pattern;
  }

  /** Listening once NATS has every subscription: a request sent as soon as the service says so finds it. */
  override start(callback: (err?: unknown) => void): void {
    super.start(() =>
      this.subscriber!.flush().then(
        () => callback(),
        (err) => callback(err),
      ),
    );
  }

  override bindEvents(client: NatsConnection): void {
    this.subscriber = client;
    super.bindEvents(client);
    for (const route of this.directRoutes?.routes ?? []) {
      const responder = this.directRoutes!.responder;
      this.direct.push(
        client.subscribe(`${this.prefix}.${route.subject.name}`, {
          queue: route.subject.service,
          callback: (err, message) => {
            if (err) return this.rpcLogger.error(err);
            this.took(message);
            void responder.answer(route, message).finally(() => this.answered(message));
          },
        }),
      );
    }
  }

  override async handleMessage(channel: string, message: Msg): Promise<unknown> {
    this.took(message);
    try {
      return await super.handleMessage(channel, message);
    } catch (err) {
      this.answered(message);
      throw err;
    }
  }

  /**
   * Counts a request answered once its last packet (or its error) has been published. A reply that cannot be sent is
   * never thrown: Nest sends it from a promise of its own, where a throw ends the process. One larger than the server
   * takes (`max_payload`: a page of devices with big `userdata`) is answered with an error saying so, at once, rather
   * than left for its caller to wait out.
   */
  override getPublisher(message: Msg, id: string, context: NatsContext): (response: unknown) => unknown {
    const publish = super.getPublisher(message, id, context);
    return (response) => {
      const packet = response as { isDisposed?: boolean; err?: unknown };
      try {
        return this.publishReply(message, publish, packet);
      } finally {
        if (packet.isDisposed || packet.err !== undefined) this.answered(message);
      }
    };
  }

  private publishReply(
    message: Msg,
    publish: (packet: unknown) => unknown,
    packet: { err?: unknown; response?: unknown },
  ): unknown {
    try {
      return publish(packet);
    } catch (err) {
      if (err instanceof NatsError && err.code === NatsErrorCode.MaxPayloadExceeded && packet.err === undefined)
        return this.publishReply(message, publish, { ...packet, response: undefined, err: tooLarge(this.subscriber) });
      this.rpcLogger.error({ msg: 'reply not sent', subject: message.subject, error: describeError(err) });
    }
  }

  private took(message: Msg): void {
    if (message.reply) this.inHand++;
  }

  private answered(message: Msg): void {
    if (!message.reply || this.counted.has(message)) return;
    this.counted.add(message);
    if (--this.inHand === 0) this.idle?.();
  }

  /**
   * Stops taking requests, answers those in hand (waiting for them, up to `ANSWER_IN_HAND_WITHIN_MS`), then closes.
   * Every subscription is drained, not unsubscribed: NATS may route a request here before it has the UNSUB, and a
   * subscription already gone would drop it, its caller waiting out its timeout (a rolling deploy's 503). Nest keeps
   * its subscriptions private (its version is pinned; lifecycle.int.spec.ts fails if they are no longer drained).
   */
  override async close(): Promise<void> {
    const nest = (this as unknown as { subscriptions?: Subscription[] }).subscriptions ?? [];
    await Promise.all([...this.direct.splice(0), ...nest].map((s) => s.drain().catch(() => undefined)));
    if (this.inHand > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ANSWER_IN_HAND_WITHIN_MS);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    await this.subscriber?.flush().catch(() => undefined);
    await super.close();
  }
}

/** The error a request gets whose answer is larger than the NATS server carries. */
function tooLarge(connection: NatsConnection | null) {
  const limit = connection?.info?.max_payload;
  return {
    code: ErrorCodes.validationFailed,
    message:
      `the answer is larger than the bus carries${limit ? ` (${limit} bytes)` : ''}: ` +
      'ask for fewer per page, or for less in each (include)',
  };
}

/** The NATS transport of a service: one queue group per service, so instances share the load. */
export function natsRpcServer(settings: NatsSettings, queue: string, prefix: string, direct?: DirectRoutes) {
  return {
    strategy: new PrefixedNatsServer(
      {
        ...natsConnectOptions(settings, queue),
        queue,
        serializer: new ReplyEnvelopeSerializer(),
        deserializer: new PlainJsonRequestDeserializer(),
        // close() waits for the requests in hand themselves, not a fixed grace period.
        gracefulShutdown: false,
      },
      prefix,
      direct,
    ),
  };
}
