import { AttemptWindow } from './attempt-window';

/** The definition: every attempt ever recorded, counted when it falls within the window. */
function perDeviceByScan(attempts: { deviceId: string; at: number }[], now: number, windowMs: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { deviceId, at } of attempts) if (at > now - windowMs) counts.set(deviceId, (counts.get(deviceId) ?? 0) + 1);
  return counts;
}

describe('a deployment\'s attempt window', () => {
  it('counts what a scan of every attempt counts, through thousands of attempts and expiries', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const windowMs = 60_000;
    const window = new AttemptWindow();
    const all: { deviceId: string; at: number }[] = [];
    let now = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5_000; i++) {
      now += Math.floor(random() * 2_000);
      const deviceId = `d${Math.floor(random() * 40)}`;
      window.record(deviceId, now, windowMs);
      all.push({ deviceId, at: now });
      if (i % 97 === 0) {
        const later = now + Math.floor(random() * 30_000);
        const expected = perDeviceByScan(all, later, windowMs);
        expect(new Map(window.attemptsPerDevice(later, windowMs))).toEqual(expected);
        expect(window.repeatingDevices(later, windowMs)).toBe([...expected.values()].filter((n) => n >= 2).length);
      }
    }
  });

  it('forgets an attempt exactly when it is as old as the window', () => {
    const window = new AttemptWindow();
    window.record('a', 1_000, 500);
    window.record('a', 1_200, 500);
    expect(window.repeatingDevices(1_499, 500)).toBe(1);
    expect(window.repeatingDevices(1_500, 500)).toBe(0);
    expect(window.attemptsPerDevice(1_500, 500)).toEqual(new Map([['a', 1]]));
    expect(window.attemptsPerDevice(1_700, 500).size).toBe(0);
  });
});
