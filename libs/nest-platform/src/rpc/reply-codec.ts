import { randomUUID } from 'node:crypto';
import { ConsumerDeserializer, IncomingRequest, OutgoingResponse, Serializer } from '@nestjs/microservices';
import { ErrorCodes, Reply, ReplyError } from '@flotilla/contracts';

/** Marks a request body that is not JSON, so validation can answer it instead of the transport choking. */
export const UNPARSEABLE = Symbol('unparseable');

/**
 * Flotilla's wire protocol over NATS request/reply: the request body is the plain JSON payload (no Nest framing),
 * so any client can call; a message with a reply subject is a request.
 */
export class PlainJsonRequestDeserializer implements ConsumerDeserializer {
  deserialize(value: Uint8Array, options?: { channel?: string; replyTo?: string }): IncomingRequest {
    let data: unknown;
    try {
      data = value.length ? JSON.parse(Buffer.from(value).toString('utf8')) : {};
    } catch {
      data = { [UNPARSEABLE]: true };
    }
    return { pattern: options?.channel, data, id: options?.replyTo ? randomUUID() : (undefined as unknown as string) };
  }
}

/** Replies `{ok:true,data}` or `{ok:false,error:{code,message,details}}` and nothing else. */
export class ReplyEnvelopeSerializer implements Serializer {
  serialize(packet: OutgoingResponse): { data: Uint8Array } {
    const reply: Reply<unknown> =
      packet.err !== undefined && packet.err !== null
        ? { ok: false, error: toReplyError(packet.err) }
        : { ok: true, data: packet.response ?? null };
    return { data: Buffer.from(JSON.stringify(reply)) };
  }
}

export function toReplyError(err: unknown): ReplyError {
  const e = err as Partial<ReplyError>;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  }
  return { code: ErrorCodes.internal, message: 'internal error' };
}
