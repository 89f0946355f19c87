import { randomUUID } from 'node:crypto';
import { ConsumerDeserializer, IncomingRequest, OutgoingResponse, Serializer } from '@nestjs/microservices';
import { bodyDigest, ErrorCodes, Reply, ReplyError } from '@flotilla/contracts';

/** Marks a request body that is not a JSON object, with why, so validation can answer it. */
export const INVALID_PAYLOAD = Symbol('invalid payload');
/** The SHA-256 of the request body as received, which its signature covers. */
export const BODY_DIGEST = Symbol('body digest');

/**
 * Flotilla's wire protocol over NATS request/reply: the request body is the plain JSON payload (no Nest framing),
 * so any client can call; a message with a reply subject is a request. The payload handed on is always an object.
 */
export class PlainJsonRequestDeserializer implements ConsumerDeserializer {
  deserialize(value: Uint8Array, options?: { channel?: string; replyTo?: string }): IncomingRequest {
    let data: Record<string | symbol, unknown>;
    try {
      const parsed = value.length ? JSON.parse(Buffer.from(value).toString('utf8')) : {};
      data =
        parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
          ? parsed
          : { [INVALID_PAYLOAD]: 'payload must be a JSON object' };
    } catch {
      data = { [INVALID_PAYLOAD]: 'payload is not valid JSON' };
    }
    Object.defineProperty(data, BODY_DIGEST, { value: bodyDigest(value), enumerable: false });
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
