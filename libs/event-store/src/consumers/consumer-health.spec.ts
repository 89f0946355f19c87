import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerHealth } from './consumer-health';

describe('a consumer for liveness', () => {
  afterEach(() => jest.restoreAllMocks());

  it('has hung once one apply has run past the stall limit', async () => {
    const health = new ConsumerHealth('tally', 200);
    health.busy();
    expect(health.liveness()).toEqual({ alive: true });
    await sleep(250);
    expect(health.liveness()).toMatchObject({ alive: false, reason: expect.stringMatching(/one apply has run for/) });
    health.idle();
    expect(health.liveness()).toEqual({ alive: true });
  });

  it('has not hung when the wall clock steps forward during an apply (NTP correcting a drifted clock)', () => {
    const health = new ConsumerHealth('tally', 120_000);
    const now = Date.now();
    health.busy();
    jest.spyOn(Date, 'now').mockReturnValue(now + 3_600_000);
    expect(health.liveness()).toEqual({ alive: true });
  });

  it('tells how long its oldest work has run: an apply, or the oldest of the commits it holds', async () => {
    const health = new ConsumerHealth('manager', 120_000);
    expect(health.busySeconds()).toBe(0);
    health.took(7);
    await sleep(30);
    const eighth = performance.now();
    health.took(8);
    expect(health.busySeconds()).toBeGreaterThanOrEqual(0.03);
    health.released(7);
    // The eighth is the oldest now: no older than the time since it was taken (however long a busy machine took).
    expect(health.busySeconds()).toBeLessThanOrEqual((performance.now() - eighth) / 1000 + 0.001);
    health.released(8);
    expect(health.busySeconds()).toBe(0);
  });
});
