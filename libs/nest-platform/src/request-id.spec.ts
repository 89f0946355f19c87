import { requestIdOf } from './request-id';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('a request id', () => {
  it("is the caller's own when it is 1 to 128 visible ASCII characters", () => {
    expect(requestIdOf({ 'x-request-id': 'trace-42' })).toBe('trace-42');
    expect(requestIdOf({ 'x-request-id': 'x'.repeat(128) })).toBe('x'.repeat(128));
  });

  it('is a new one for none, an empty one, one too long, or one with spaces or other bytes', () => {
    for (const given of [undefined, '', 'x'.repeat(129), 'a b', 'caf\u00e9', 'a\u0000b'])
      expect({ given, id: requestIdOf({ 'x-request-id': given }) }).toEqual({ given, id: expect.stringMatching(uuid) });
    expect(requestIdOf({})).not.toBe(requestIdOf({}));
  });
});
