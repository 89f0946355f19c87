import { setImmediate as nextTurn } from 'node:timers/promises';
import { Reply } from '@flotilla/contracts';
import { SendItems, TurnBatch } from './turn-batch';

interface Sent {
  items: string[];
  answer: (index: number, reply: Reply<string>) => boolean;
  done: () => void;
  fail: (err: Error) => void;
}

/** A batch whose requests are held until the test answers, ends or fails them. */
function batchOf(limits = { items: 10, bytes: 1_000, size: (item: string) => item.length }) {
  const sent: Sent[] = [];
  const send: SendItems<string, string> = (items, answer) =>
    new Promise((done, fail) => sent.push({ items, answer, done: () => done(), fail }));
  return { batch: new TurnBatch(send, limits), sent };
}

const ok = (data: string): Reply<string> => ({ ok: true, data });

describe('a turn batch', () => {
  it("sends one turn's items in one request, the next turn's in another", async () => {
    const { batch, sent } = batchOf();
    const first = ['a', 'b', 'c'].map((item) => batch.add(item));
    await nextTurn();
    const second = batch.add('d');
    await nextTurn();
    expect(sent.map((s) => s.items)).toEqual([['a', 'b', 'c'], ['d']]);
    // Answered by position, in any order and in parts; each item settles as its reply comes.
    expect(sent[0].answer(2, ok('C'))).toBe(false);
    expect(await first[2]).toEqual(ok('C'));
    expect(sent[0].answer(0, ok('A'))).toBe(false);
    expect(sent[0].answer(0, ok('again'))).toBe(false); // a second reply for an item is not taken
    expect(sent[0].answer(1, ok('B'))).toBe(true);
    sent[0].done();
    expect(await Promise.all(first)).toEqual([ok('A'), ok('B'), ok('C')]);
    sent[1].answer(0, { ok: false, error: { code: 'unauthorized', message: 'no' } });
    sent[1].done();
    expect(await second).toEqual({ ok: false, error: { code: 'unauthorized', message: 'no' } });
  });

  it('parts a turn by the number of items and by their size', async () => {
    const { batch, sent } = batchOf({ items: 3, bytes: 10, size: (item) => item.length });
    for (const item of ['1', '2', '3', '4', '55555', '666666', '7', 'x'.repeat(20)]) void batch.add(item);
    await nextTurn();
    expect(sent.map((s) => s.items)).toEqual([
      ['1', '2', '3'],
      ['4', '55555'],
      ['666666', '7'],
      ['x'.repeat(20)], // larger than a part on its own: it goes alone
    ]);
  });

  it('fails the items a request left unanswered, and only those', async () => {
    const { batch, sent } = batchOf();
    const items = ['a', 'b', 'c'].map((item) => batch.add(item).catch((err: Error) => err.message));
    await nextTurn();
    sent[0].answer(1, ok('B'));
    sent[0].fail(new Error('no answer in time'));
    expect(await Promise.all(items)).toEqual(['no answer in time', ok('B'), 'no answer in time']);

    const more = ['d', 'e'].map((item) => batch.add(item).catch((err: Error) => err.message));
    await nextTurn();
    sent[1].answer(0, ok('D'));
    sent[1].done(); // ended with an item still unanswered
    expect(await Promise.all(more)).toEqual([ok('D'), '1 of 2 items got no reply']);
  });
});
