import { isAggregateId } from './event-store';

describe('isAggregateId', () => {
  it('takes ids that make one literal subject: a UUID, a key, a slug of dotted tokens', () => {
    for (const id of [
      '6f1c2f0e-7c55-4a38-9a43-1f9d3c1a2b10',
      '0123456789abcdef0123456789abcdef',
      'c3.medium.x86',
      'global',
    ])
      expect([id, isAggregateId(id)]).toEqual([id, true]);
  });

  it('refuses wildcards, whitespace and empty tokens, which would read other subjects or none', () => {
    for (const id of ['*', '>', 'a.*', 'a.>', 'a*', 'a b', 'a\tb', '', '.', 'a.', '.a', 'a..b'])
      expect([id, isAggregateId(id)]).toEqual([id, false]);
  });
});
