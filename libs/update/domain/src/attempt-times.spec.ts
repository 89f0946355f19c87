import { appendAttempt, ATTEMPT_CHUNK, AttemptTimes, countAttempts } from './attempt-times';

const appended = (count: number, from: AttemptTimes = []) =>
  Array.from({ length: count }, (_, i) => i).reduce((times, i) => appendAttempt(times, 1_000 + i), from);

describe('attempt times', () => {
  it('keep every attempt in order, in full chunks and a last one', () => {
    const times = appended(2 * ATTEMPT_CHUNK + 3);
    expect(times.map((chunk) => chunk.length)).toEqual([ATTEMPT_CHUNK, ATTEMPT_CHUNK, 3]);
    expect(times.flat()).toEqual(Array.from({ length: 2 * ATTEMPT_CHUNK + 3 }, (_, i) => 1_000 + i));
  });

  it('share the full chunks with the times they extend, and change nothing of them', () => {
    const before = Object.freeze(appended(ATTEMPT_CHUNK + 1).map((chunk) => Object.freeze(chunk)));
    const after = appendAttempt(before, 5_000);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toEqual([1_000 + ATTEMPT_CHUNK, 5_000]);
    expect(before[1]).toEqual([1_000 + ATTEMPT_CHUNK]);
    const full = appended(ATTEMPT_CHUNK);
    const started = appendAttempt(full, 6_000);
    expect(started).toEqual([full[0], [6_000]]);
    expect(started[0]).toBe(full[0]);
  });

  it('count the attempts since a cut-off, and those of them after the start of a window', () => {
    const times = appended(2 * ATTEMPT_CHUNK);
    expect(countAttempts(times, 0, 0)).toEqual({ since: 2 * ATTEMPT_CHUNK, after: 2 * ATTEMPT_CHUNK });
    expect(countAttempts(times, 1_010, 1_500)).toEqual({
      since: 2 * ATTEMPT_CHUNK - 10,
      after: 2 * ATTEMPT_CHUNK - 501,
    });
    expect(countAttempts(times, 1_000 + 2 * ATTEMPT_CHUNK, 0)).toEqual({ since: 0, after: 0 });
    expect(countAttempts([], 0, 0)).toEqual({ since: 0, after: 0 });
  });
});
