import { MessagePattern, NatsOptions, ServerNats } from '@nestjs/microservices';
import { Subject } from '@flotilla/contracts';
import { natsConnectOptions, NatsSettings } from '../nats-connection';
import { PlainJsonRequestDeserializer, ReplyEnvelopeSerializer } from './reply-codec';

/** Binds a handler to a subject of the registry, in the queue group of the service that answers it. */
export const Handles = (subject: Subject) => MessagePattern(subject.name, { queue: subject.service });

/** Nest's NATS server, listening on every handler's subject under the deployment's prefix. */
class PrefixedNatsServer extends ServerNats {
  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly prefix: string,
  ) {
    super(options);
  }

  override addHandler(...[pattern, ...rest]: Parameters<ServerNats['addHandler']>): void {
    super.addHandler(`${this.prefix}.${pattern}`, ...rest);
  }
}

/** The NATS transport of a service: one queue group per service, so instances share the load. */
export function natsRpcServer(settings: NatsSettings, queue: string, prefix: string) {
  return {
    strategy: new PrefixedNatsServer(
      {
        ...natsConnectOptions(settings, queue),
        queue,
        serializer: new ReplyEnvelopeSerializer(),
        deserializer: new PlainJsonRequestDeserializer(),
        gracefulShutdown: true,
        gracePeriod: 2_000,
      },
      prefix,
    ),
  };
}
