import { NatsOptions, Transport } from '@nestjs/microservices';
import { serviceNatsOptions } from '../nats-connection';
import { PlainJsonRequestDeserializer, ReplyEnvelopeSerializer } from './reply-codec';

/** The NATS transport of a service: one queue group per service, so instances share the load. */
export function natsRpcServer(natsUrl: string, queue: string): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...serviceNatsOptions(natsUrl, queue),
      queue,
      serializer: new ReplyEnvelopeSerializer(),
      deserializer: new PlainJsonRequestDeserializer(),
      gracefulShutdown: true,
      gracePeriod: 2_000,
    },
  };
}
