import { badCharacterProblems } from './text';

describe('bad characters in a JSON value', () => {
  it('finds none in clean text, tabs and line breaks and any script included', () => {
    expect(badCharacterProblems({ name: 'web\t01\r\n', tags: ['日本', '🚀'], n: 1, on: true, none: null })).toEqual([]);
  });

  it('lists every string and key that holds one, by its path', () => {
    const value = {
      batches: [{ hostname: 'a\u0000b' }, { tags: ['ok', 'bell\u0007'] }],
      ['k\u001b']: 'x',
      lone: '\ud800',
      del: 'x\u007f',
    };
    expect(badCharacterProblems(value, 'body')).toEqual([
      'body.batches[0].hostname contains a control character or invalid text',
      'body.batches[1].tags[1] contains a control character or invalid text',
      'body has a key with a control character or invalid text',
      'body.lone contains a control character or invalid text',
      'body.del contains a control character or invalid text',
    ]);
  });

  it('names fields from the value itself when given no path, as the other checks of a payload do', () => {
    expect(badCharacterProblems({ batches: [{ hostname: 'a\u0000' }] })).toEqual([
      'batches[0].hostname contains a control character or invalid text',
    ]);
    expect(badCharacterProblems('\u0000')).toEqual(['the payload contains a control character or invalid text']);
    expect(badCharacterProblems({ ['\u0000']: 1 })).toEqual([
      'the payload has a key with a control character or invalid text',
    ]);
  });
});
