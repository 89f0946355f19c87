import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConsumerDeserializer, IncomingRequest, OutgoingResponse, Serializer } from '@nestjs/microservices';
import { headers as natsHeaders, MsgHdrs } from 'nats';
import { bodyDigest, ErrorCodes, MAX_JSON_DEPTH, nestsDeeperThan, Reply, ReplyError } from '@flotilla/contracts';

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
        parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)
          ? { [INVALID_PAYLOAD]: 'payload must be a JSON object' }
          : nestsDeeperThan(parsed)
            ? { [INVALID_PAYLOAD]: `payload nests deeper than ${MAX_JSON_DEPTH} levels` }
            : parsed;
    } catch {
      data = { [INVALID_PAYLOAD]: 'payload is not valid JSON' };
    }
    Object.defineProperty(data, BODY_DIGEST, { value: bodyDigest(value), enumerable: false });
    return { pattern: options?.channel, data, id: options?.replyTo ? randomUUID() : (undefined as unknown as string) };
  }
}

/**
 * A reply whose JSON is larger than this is sent gzip-compressed, marked `Content-Encoding: gzip`: lists of Metal
 * objects repeat the same catalog objects, and a page of 1,000 devices is over NATS's default 1 MB as plain JSON.
 */
export const COMPRESS_REPLIES_OVER_BYTES = 64 * 1024;
const CONTENT_ENCODING = 'Content-Encoding';

/** Replies `{ok:true,data}` or `{ok:false,error:{code,message,details}}` and nothing else. */
export class ReplyEnvelopeSerializer implements Serializer {
  serialize(packet: OutgoingResponse): { data: Uint8Array; headers?: MsgHdrs } {
    return encodeReply(
      packet.err !== undefined && packet.err !== null
        ? { ok: false, error: toReplyError(packet.err) }
        : { ok: true, data: packet.response ?? null },
    );
  }
}

/** A reply as it goes on the wire: JSON, gzip-compressed when large. */
export function encodeReply(reply: Reply<unknown>): { data: Uint8Array; headers?: MsgHdrs } {
  const json = Buffer.from(JSON.stringify(reply));
  if (json.length <= COMPRESS_REPLIES_OVER_BYTES) return { data: json };
  const headers = natsHeaders();
  headers.set(CONTENT_ENCODING, 'gzip');
  return { data: gzipSync(json), headers };
}

/** The reply envelope of a message the serializer above wrote. */
export function decodeReply<T>(message: { data: Uint8Array; headers?: MsgHdrs }): Reply<T> {
  const gzipped = message.headers?.get(CONTENT_ENCODING) === 'gzip';
  const json = gzipped ? gunzipSync(message.data) : Buffer.from(message.data);
  return JSON.parse(json.toString('utf8')) as Reply<T>;
}

export function toReplyError(err: unknown): ReplyError {
  const e = err as Partial<ReplyError>;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  }
  return { code: ErrorCodes.internal, message: 'internal error' };
}
