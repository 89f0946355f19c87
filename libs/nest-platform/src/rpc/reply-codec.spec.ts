import {
  COMPRESS_REPLIES_OVER_BYTES,
  decodeReply,
  INVALID_PAYLOAD,
  PlainJsonRequestDeserializer,
  ReplyEnvelopeSerializer,
} from './reply-codec';

describe('the reply envelope on the wire', () => {
  const serializer = new ReplyEnvelopeSerializer();

  it('sends a small reply as plain JSON', () => {
    const message = serializer.serialize({ id: '1', response: { hello: 'world' } });
    expect(message.headers).toBeUndefined();
    expect(JSON.parse(Buffer.from(message.data).toString())).toEqual({ ok: true, data: { hello: 'world' } });
    expect(decodeReply(message)).toEqual({ ok: true, data: { hello: 'world' } });
  });

  it('gzips a large one, marked so, and reads it back whole', () => {
    const devices = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      facility: { code: 'sjc1', name: 'San Jose, CA' },
    }));
    const message = serializer.serialize({ id: '1', response: { devices } });
    expect(message.headers?.get('Content-Encoding')).toBe('gzip');
    expect(message.data.length).toBeLessThan(COMPRESS_REPLIES_OVER_BYTES);
    expect(JSON.stringify({ ok: true, data: { devices } }).length).toBeGreaterThan(COMPRESS_REPLIES_OVER_BYTES);
    expect(decodeReply(message)).toEqual({ ok: true, data: { devices } });
  });

  it('takes a request nested within the limit, and marks a deeper one invalid without walking it', () => {
    const deserializer = new PlainJsonRequestDeserializer();
    const read = (text: string) => deserializer.deserialize(Buffer.from(text)).data as Record<symbol, unknown>;
    expect(read('{"a":[[1]]}')[INVALID_PAYLOAD]).toBeUndefined();
    expect(read(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)[INVALID_PAYLOAD]).toBe(
      'payload nests deeper than 32 levels',
    );
  });
});
