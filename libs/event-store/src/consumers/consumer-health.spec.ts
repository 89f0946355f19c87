import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerHealth } from './consumer-health';

describe('a consumer for liveness', () => {
  afterEach(() => jest.restoreAllMocks());

  it('has hung once one apply has run past the stall limit', async () => {
    const health = new ConsumerHealth('tally', 20);
    health.busy();
    expect(health.liveness()).toEqual({ alive: true });
    await sleep(40);
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
});
