import { DomainEvent, eventJsonSize } from '@flotilla/events';
import { decodeCommit, encodeCommit } from './commit-codec';
import { Upcasters } from './upcasting';

describe('a commit as written', () => {
  const upcasters = new Upcasters({ Named: 2, Empty: 1, Nested: 1 });
  const metadata = { actor: 'tester', correlationId: 'c-1', causationId: null, commandId: 'cmd "1"' };
  const name = 'ünïcode ☃ "quoted" \\ back\nslash \u2028';
  const events: DomainEvent[] = [
    { type: 'Named', data: { name, count: 3, missing: undefined } },
    { type: 'Empty', data: undefined },
    { type: 'Nested', data: { list: [1, null, { deep: [true, 'x'] }], when: new Date(0) } },
  ];

  it('is JSON.stringify of its envelope, character for character, whether its events were sized first or not', () => {
    for (const sizedFirst of [false, true]) {
      const given = events.map((e) => ({ ...e }));
      if (sizedFirst) given.forEach(eventJsonSize);
      const { body, envelope } = encodeCommit(given, metadata, new Date(1_000), 'fp', upcasters, [
        metadata,
        { ...metadata, actor: 'other' },
        metadata,
      ]);
      expect(body.toString('utf8')).toBe(JSON.stringify(envelope));
      expect(envelope.events.map((e) => e.m)).toEqual([undefined, { actor: 'other' }, undefined]);
      const commit = decodeCommit(body, 'evt.test.thing.1', 7, upcasters);
      expect(commit.events.map((e) => [e.type, e.schemaVersion, e.data])).toEqual([
        ['Named', 2, { name, count: 3 }],
        ['Empty', 1, undefined],
        ['Nested', 1, { list: [1, null, { deep: [true, 'x'] }], when: '1970-01-01T00:00:00.000Z' }],
      ]);
      expect(commit.events[1].metadata.actor).toBe('other');
    }
  });
});
