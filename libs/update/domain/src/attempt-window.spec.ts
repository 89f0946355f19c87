import { AttemptWindow } from './attempt-window';

/** The definition: every attempt since its device's last cut-off, counted when it falls within the window. */
function perDeviceByScan(
  attempts: { identifier: string; at: number }[],
  cutoffs: Map<string, number>,
  now: number,
  windowMs: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  attempts.forEach(({ identifier, at }, i) => {
    if (at > now - windowMs && i >= (cutoffs.get(identifier) ?? 0))
      counts.set(identifier, (counts.get(identifier) ?? 0) + 1);
  });
  return counts;
}

describe("a deployment's attempt window", () => {
  it('counts what a scan of every attempt counts, through thousands of attempts, expiries and device cut-offs', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const windowMs = 60_000;
    const window = new AttemptWindow();
    const all: { identifier: string; at: number }[] = [];
    const cutoffs = new Map<string, number>();
    let now = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5_000; i++) {
      now += Math.floor(random() * 2_000);
      const identifier = `d${Math.floor(random() * 40)}`;
      if (random() < 0.02) {
        window.forget(identifier);
        cutoffs.set(identifier, all.length);
      }
      window.record(identifier, now, windowMs);
      all.push({ identifier, at: now });
      if (i % 97 === 0) {
        const later = now + Math.floor(random() * 30_000);
        const expected = perDeviceByScan(all, cutoffs, later, windowMs);
        expect(window.countsPerDevice(later, windowMs)).toEqual(expected);
        expect(window.devices(later, windowMs)).toBe(expected.size);
        expect(window.repeatingDevices(later, windowMs)).toBe([...expected.values()].filter((n) => n >= 2).length);
      }
    }
  });

  it("stops counting a device's attempts from its cut-off on", () => {
    const window = new AttemptWindow();
    window.record('a', 1_000, 60_000);
    window.record('a', 1_100, 60_000);
    window.record('b', 1_100, 60_000);
    expect(window.repeatingDevices(1_200, 60_000)).toBe(1);
    window.forget('a');
    expect(window.repeatingDevices(1_200, 60_000)).toBe(0);
    window.record('a', 1_300, 60_000);
    expect(window.countsPerDevice(1_300, 60_000)).toEqual(
      new Map([
        ['b', 1],
        ['a', 1],
      ]),
    );
    expect(window.countsPerDevice(61_050, 60_000)).toEqual(
      new Map([
        ['b', 1],
        ['a', 1],
      ]),
    );
    expect(window.countsPerDevice(61_150, 60_000)).toEqual(new Map([['a', 1]]));
  });

  it('forgets an attempt exactly when it is as old as the window', () => {
    const window = new AttemptWindow();
    window.record('a', 1_000, 500);
    window.record('a', 1_200, 500);
    expect(window.repeatingDevices(1_499, 500)).toBe(1);
    expect(window.repeatingDevices(1_500, 500)).toBe(0);
    expect(window.countsPerDevice(1_500, 500)).toEqual(new Map([['a', 1]]));
    expect(window.devices(1_700, 500)).toBe(0);
  });

  it('is the same window once written down with live() and read back with of()', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const windowMs = 60_000;
    const original = new AttemptWindow();
    let now = 0;
    const step = (windows: AttemptWindow[]) => {
      now += Math.floor(random() * 3_000);
      const identifier = `d${Math.floor(random() * 20)}`;
      const forget = random() < 0.05;
      for (const window of windows) {
        if (forget) window.forget(identifier);
        window.record(identifier, now, windowMs);
      }
    };
    for (let i = 0; i < 500; i++) step([original]);
    const copy = AttemptWindow.of(original.live());
    for (let i = 0; i < 500; i++) {
      step([original, copy]);
      const later = now + Math.floor(random() * 30_000);
      expect(copy.countsPerDevice(later, windowMs)).toEqual(original.countsPerDevice(later, windowMs));
      expect(copy.repeatingDevices(later, windowMs)).toBe(original.repeatingDevices(later, windowMs));
    }
  });
});
