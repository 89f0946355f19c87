import { setTimeout as sleep } from 'node:timers/promises';
import { Repeating } from './repeating';

describe('Repeating', () => {
  it('runs again an interval after each run ends, never two at once, and not after it is stopped', async () => {
    const starts: number[] = [];
    let running = 0;
    let overlapped = false;
    const repeating = new Repeating(20, async () => {
      overlapped ||= running > 0;
      running++;
      starts.push(performance.now());
      await sleep(30); // longer than the interval: the next run must still wait for this one
      running--;
    });
    repeating.start(0);
    await sleep(200);
    repeating.stop();
    const runs = starts.length;
    await sleep(120);

    expect(runs).toBeGreaterThanOrEqual(2);
    expect(starts).toHaveLength(runs);
    expect(overlapped).toBe(false);
    // Each run starts after the last one ended (30 ms) and an interval (20 ms) more, less timer rounding.
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(45);
  });

  it('waits one interval before its first run unless told otherwise', async () => {
    let runs = 0;
    const repeating = new Repeating(10_000, async () => {
      runs++;
    });
    repeating.start();
    await sleep(50);
    repeating.stop();
    expect(runs).toBe(0);
  });
});
