import { NatsOptions, Transport } from '@nestjs/microservices';
import { natsConnectOptions, NatsSettings } from '../nats-connection';
import { PlainJsonRequestDeserializer, ReplyEnvelopeSerializer } from './reply-codec';

/** The NATS transport of a service: one queue group per service, so instances share the load. */
export function natsRpcServer(settings: NatsSettings, queue: string): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...natsConnectOptions(settings, queue),
      queue,
      serializer: new ReplyEnvelopeSerializer(),
      deserializer: new PlainJsonRequestDeserializer(),
      gracefulShutdown: true,
      gracePeriod: 2_000,
    },
  };
}
