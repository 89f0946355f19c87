import { DeviceEvent, FirmwareMetadata, UpdateLimits } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import {
  checkingState,
  DeviceAttempts,
  deviceDecider,
  evolveAttempts,
  NO_ATTEMPTS,
  OfferedDeployment,
  previewCheck,
  startsAttemptsOver,
} from './device';
import { ATTEMPT_CHUNK } from './attempt-times';

const fw = (uuid: string): FirmwareMetadata => ({
  uuid,
  product: 'c1.small.x86',
  version: '1.0.0',
  architecture: 'x86_64',
  platform: 'metal',
});
const registered: DeviceEvent = {
  type: 'DeviceRegistered',
  data: {
    identifier: 'd1',
    organizationId: 'o1',
    product: 'c1.small.x86',
    tags: ['edge'],
    credentialHash: 'h',
    source: 'admin',
    registeredAt: '2026-01-01T00:00:00.000Z',
  },
};
const deployment: OfferedDeployment = {
  deploymentId: 'D',
  firmwareUuid: 'fw-2',
  rules: { deviceFailureRate: 5, deviceFailureRateSeconds: 180, deviceFailureThreshold: 3 },
  cutoff: 0,
};
const t0 = Date.parse('2026-01-01T10:00:00.000Z');
const attempt = (secondsAfter: number): DeviceEvent => ({
  type: 'UpdateRequested',
  data: {
    identifier: 'd1',
    organizationId: 'o1',
    deploymentId: 'D',
    firmwareUuid: 'fw-2',
    at: new Date(t0 + secondsAfter * 1000).toISOString(),
  },
});

const spec = deciderSpecification(deviceDecider, { now: new Date(t0) });

/** Runs checks one after the other, as a device would make them, and says what each produced. */
function checks(given: DeviceEvent[], times: number[], offered: OfferedDeployment = deployment): string[] {
  let state = spec.fold(given);
  return times.map((seconds) => {
    const events = spec.decide({ type: 'CheckForUpdate', deployment: offered, reported: null }, state, {
      now: new Date(t0 + seconds * 1000),
    });
    state = spec.fold(events, state);
    return (
      events.map((e) => (e.type === 'DeviceQuarantined' ? `quarantined:${e.data.reason}` : e.type)).join(',') ||
      'nothing'
    );
  });
}

describe('device decider: checks, attempts and failure rules', () => {
  it('threshold 3: checks 1–3 are offered the update, check 4 quarantines the device, check 5 gets nothing', () => {
    expect(checks([registered], [0, 600, 1200, 1800, 2400])).toEqual([
      'UpdateRequested',
      'UpdateRequested',
      'UpdateRequested',
      'quarantined:device_failure_threshold',
      'nothing',
    ]);
  });

  it('rate 2 per 60 s: a third check inside the window quarantines, one after it does not', () => {
    const offered = {
      ...deployment,
      rules: { deviceFailureRate: 2, deviceFailureRateSeconds: 60, deviceFailureThreshold: 10 },
    };
    expect(checks([registered], [0, 10, 20], offered)).toEqual([
      'UpdateRequested',
      'UpdateRequested',
      'quarantined:device_failure_rate',
    ]);
    expect(checks([registered], [0, 10, 61], offered)).toEqual([
      'UpdateRequested',
      'UpdateRequested',
      'UpdateRequested',
    ]);
  });

  it('counts nothing from before the device was unquarantined', () => {
    const history = [registered, attempt(0), attempt(1), attempt(2)];
    const quarantined: DeviceEvent = {
      type: 'DeviceQuarantined',
      data: {
        identifier: 'd1',
        organizationId: 'o1',
        reason: 'device_failure_threshold',
        deploymentId: 'D',
        at: new Date(t0 + 3000).toISOString(),
      },
    };
    const unquarantined: DeviceEvent = {
      type: 'DeviceUnquarantined',
      data: { identifier: 'd1', organizationId: 'o1', at: new Date(t0 + 4000).toISOString() },
    };
    expect(checks([...history, quarantined, unquarantined], [5, 6, 7, 8])).toEqual([
      'UpdateRequested',
      'UpdateRequested',
      'UpdateRequested',
      'quarantined:device_failure_threshold',
    ]);
  });

  it('counts nothing from before the device changed firmware', () => {
    const changed: DeviceEvent = {
      type: 'DeviceFirmwareChanged',
      data: { identifier: 'd1', organizationId: 'o1', from: null, to: fw('fw-1'), at: new Date(t0 + 5).toISOString() },
    };
    expect(checks([registered, attempt(0), attempt(1), attempt(2), changed], [10])).toEqual(['UpdateRequested']);
  });

  it("counts nothing from before the deployment's cut-off (unquarantined, recreated, given new firmware)", () => {
    expect(
      checks([registered, attempt(0), attempt(1), attempt(2)], [10], { ...deployment, cutoff: t0 + 5000 }),
    ).toEqual(['UpdateRequested']);
    expect(checks([registered, attempt(0), attempt(1), attempt(2)], [10], deployment)).toEqual([
      'quarantined:device_failure_threshold',
    ]);
  });

  it('counts attempts across chunks of their times: a threshold above one chunk quarantines at its count', () => {
    const threshold = ATTEMPT_CHUNK + 2;
    const offered = {
      ...deployment,
      rules: { ...deployment.rules, deviceFailureRate: 2 * threshold, deviceFailureThreshold: threshold },
    };
    const history = [registered, ...Array.from({ length: threshold - 1 }, (_, i) => attempt(i - threshold))];
    expect(checks(history, [0, 1], offered)).toEqual(['UpdateRequested', 'quarantined:device_failure_threshold']);
  });

  it('records a firmware change only when the uuid differs', () => {
    const changed: DeviceEvent = {
      type: 'DeviceFirmwareChanged',
      data: { identifier: 'd1', organizationId: 'o1', from: null, to: fw('fw-1'), at: new Date(t0).toISOString() },
    };
    spec
      .given([registered])
      .when({ type: 'ReportFirmware', firmware: fw('fw-1') })
      .then([changed]);
    spec
      .given([registered, changed])
      .when({ type: 'ReportFirmware', firmware: fw('fw-1') })
      .thenNothingHappened();
  });

  it('records the firmware a check reports with its attempt, in one commit, when the log has other firmware', () => {
    const changed = (from: string | null, to: string, secondsAfter = 0): DeviceEvent => ({
      type: 'DeviceFirmwareChanged',
      data: {
        identifier: 'd1',
        organizationId: 'o1',
        from: from ? fw(from) : null,
        to: fw(to),
        at: new Date(t0 + secondsAfter * 1000).toISOString(),
      },
    });
    // Another instance recorded fw-2; this one's view still had fw-1, which the device reports again.
    spec
      .given([registered, changed(null, 'fw-1', -60), changed('fw-1', 'fw-2', -30)])
      .when({ type: 'CheckForUpdate', deployment, reported: fw('fw-1') })
      .then([changed('fw-2', 'fw-1'), attempt(0)]);
    spec
      .given([registered, changed(null, 'fw-1', -60)])
      .when({ type: 'CheckForUpdate', deployment, reported: fw('fw-1') })
      .then([attempt(0)]);
    // The change starts the device's attempts afresh: three before it, and the check is still offered the update.
    spec
      .given([registered, changed(null, 'fw-1', -60), attempt(-50), attempt(-40), attempt(-30)])
      .when({ type: 'CheckForUpdate', deployment, reported: fw('fw-3') })
      .then([changed('fw-1', 'fw-3'), attempt(0)]);
  });

  it('quarantines and unquarantines once; an unknown device is not found; tags are checked', () => {
    spec
      .given([registered])
      .when({ type: 'QuarantineDevice', reason: 'operator' })
      .then([
        {
          type: 'DeviceQuarantined',
          data: {
            identifier: 'd1',
            organizationId: 'o1',
            reason: 'operator',
            deploymentId: null,
            at: new Date(t0).toISOString(),
          },
        },
      ]);
    spec.given([registered]).when({ type: 'UnquarantineDevice' }).thenNothingHappened();
    spec.given([]).when({ type: 'QuarantineDevice', reason: 'operator' }).thenThrows('not_found');
    spec
      .given([registered])
      .when({ type: 'ChangeTags', tags: ['', 7] as never })
      .thenThrows('validation_failed');
    const tagged = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`);
    spec
      .given([registered])
      .when({ type: 'ChangeTags', tags: tagged(UpdateLimits.tags + 1) })
      .thenThrows('validation_failed', /at most 200 strings/);
    expect(spec.decide({ type: 'ChangeTags', tags: tagged(UpdateLimits.tags) }, spec.fold([registered]))).toHaveLength(
      1,
    );
    spec
      .given([registered])
      .when({
        type: 'RegisterDevice',
        identifier: 'd1',
        organizationId: 'o1',
        product: 'p',
        tags: [],
        credentialHash: 'h',
        source: 'admin',
      })
      .thenThrows('conflict');
  });

  it("hands a provisioned device's credential out once; a registered or rotated one never", () => {
    const provisioned: DeviceEvent = {
      ...registered,
      data: { ...(registered.data as Extract<DeviceEvent, { type: 'DeviceRegistered' }>['data']), source: 'batch' },
    } as DeviceEvent;
    const fetched: DeviceEvent = {
      type: 'DeviceCredentialFetched',
      data: { identifier: 'd1', organizationId: 'o1', at: new Date(t0).toISOString() },
    };
    spec.given([provisioned]).when({ type: 'FetchCredential' }).then([fetched]);
    spec
      .given([provisioned, fetched])
      .when({ type: 'FetchCredential' })
      .thenThrows('conflict', /rotate/);
    spec.given([registered]).when({ type: 'FetchCredential' }).thenThrows('conflict');
    spec
      .given([
        provisioned,
        {
          type: 'DeviceCredentialRotated',
          data: { identifier: 'd1', organizationId: 'o1', credentialHash: 'h2', at: new Date(t0).toISOString() },
        },
      ])
      .when({ type: 'FetchCredential' })
      .thenThrows('conflict');
  });

  it('never registers a retired provisioned server again', () => {
    const provisioned = {
      ...registered,
      data: {
        ...(registered.data as Extract<DeviceEvent, { type: 'DeviceRegistered' }>['data']),
        source: 'batch' as const,
      },
    } as DeviceEvent;
    const retired: DeviceEvent = {
      type: 'DeviceRetired',
      data: { identifier: 'd1', organizationId: 'o1', at: new Date(t0).toISOString() },
    };
    spec
      .given([provisioned, retired])
      .when({
        type: 'RegisterDevice',
        identifier: 'd1',
        organizationId: 'o1',
        product: 'p',
        tags: [],
        credentialHash: 'h',
        source: 'batch',
      })
      .thenNothingHappened();
  });

  it('retires a server deleted before its registration was read, which then does not register it', () => {
    const retire = { type: 'RetireDevice' as const, identifier: 'd1', organizationId: 'o1' };
    const retired: DeviceEvent = {
      type: 'DeviceRetired',
      data: { identifier: 'd1', organizationId: 'o1', at: new Date(t0).toISOString() },
    };
    spec.given([]).when(retire).then([retired]);
    spec.given([registered]).when(retire).then([retired]);
    spec.given([registered, retired]).when(retire).thenNothingHappened();
    const registration = {
      type: 'RegisterDevice' as const,
      identifier: 'd1',
      organizationId: 'o1',
      product: 'p',
      tags: [],
      credentialHash: 'h',
    };
    spec
      .given([retired])
      .when({ ...registration, source: 'batch' })
      .thenNothingHappened();
    // A device an operator registers under that identifier is theirs to have.
    expect(spec.decide({ ...registration, source: 'admin' }, spec.fold([retired]))[0].type).toBe('DeviceRegistered');
  });

  it('previews what a check would decide without deciding it: offered, past its rules, or with new firmware counted afresh', () => {
    const state = spec.fold([registered, attempt(0), attempt(1)]);
    expect(previewCheck(state, null, deployment, new Date(t0 + 10_000))).toBe('offered');
    const past = spec.fold([attempt(2)], state);
    expect(previewCheck(past, null, deployment, new Date(t0 + 10_000))).toBe('quarantined');
    expect(previewCheck(past, fw('fw-9'), deployment, new Date(t0 + 10_000))).toBe('offered');
    const quarantined = spec.fold(
      [
        {
          type: 'DeviceQuarantined',
          data: {
            identifier: 'd1',
            organizationId: 'o1',
            reason: 'operator',
            deploymentId: null,
            at: new Date(t0).toISOString(),
          },
        },
      ],
      state,
    );
    expect(previewCheck(quarantined, null, deployment, new Date(t0 + 10_000))).toBe('nothing');
  });
});

describe("a check decided on a view's copy of the device (checkingState)", () => {
  /** A device's history after its registration, drawn from a seeded sequence: every kind of device event. */
  function history(seed: number, length: number): DeviceEvent[] {
    let x = seed;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const ids = { identifier: 'd1', organizationId: 'o1' };
    const events: DeviceEvent[] = [registered];
    for (let i = 1; i <= length; i++) {
      const at = new Date(t0 + i * 20_000).toISOString();
      const pick = random();
      const deploymentId = random() < 0.7 ? 'D' : 'E';
      if (pick < 0.5)
        events.push({ type: 'UpdateRequested', data: { ...ids, deploymentId, firmwareUuid: 'fw-2', at } });
      else if (pick < 0.6) {
        const to = fw(`fw-${1 + Math.floor(random() * 3)}`);
        events.push({ type: 'DeviceFirmwareChanged', data: { ...ids, from: null, to, at } });
      } else if (pick < 0.7)
        events.push({ type: 'DeviceQuarantined', data: { ...ids, reason: 'r', deploymentId, at } });
      else if (pick < 0.8) events.push({ type: 'DeviceUnquarantined', data: { ...ids, at } });
      else if (pick < 0.9) events.push({ type: 'DeviceTagsChanged', data: { ...ids, tags: ['edge', `t${i}`], at } });
      else events.push({ type: 'DeviceCredentialRotated', data: { ...ids, credentialHash: `h${i}`, at } });
    }
    return events;
  }
  const offers: OfferedDeployment[] = [
    deployment,
    { deploymentId: 'E', firmwareUuid: 'fw-3', rules: { ...deployment.rules, deviceFailureRate: 2 }, cutoff: t0 },
  ];

  it('decides every check as the aggregate does, at every point of many histories', () => {
    const decided = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const events = history(seed, 30);
      for (let n = 1; n <= events.length; n++) {
        const aggregate = spec.fold(events.slice(0, n));
        if (aggregate.status !== 'active') continue;
        const attempts = events.slice(0, n).reduce(evolveAttempts, NO_ATTEMPTS as DeviceAttempts);
        const viewed = checkingState(aggregate, attempts);
        for (const offered of offers)
          for (const reported of [null, fw('fw-1'), fw('fw-3')]) {
            const command = { type: 'CheckForUpdate', deployment: offered, reported } as const;
            const now = { now: new Date(t0 + n * 20_000 + 5_000) };
            const onAggregate = deviceDecider.decide(command, aggregate, now);
            expect(deviceDecider.decide(command, viewed, now)).toEqual(onAggregate);
            const decision = onAggregate.find((e) => e.type !== 'DeviceFirmwareChanged');
            decided.add(decision?.type === 'DeviceQuarantined' ? decision.data.reason : (decision?.type ?? 'nothing'));
          }
      }
    }
    // The histories reach every kind of decision: attempts, quarantines by both rules, nothing when quarantined.
    expect([...decided].sort()).toEqual([
      'UpdateRequested',
      'device_failure_rate',
      'device_failure_threshold',
      'nothing',
    ]);
  });

  it('knows the attempts from the last event that starts them over, whatever came before it', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const events = history(seed, 30);
      const whole = events.reduce(evolveAttempts, NO_ATTEMPTS as DeviceAttempts);
      const from = events.map(startsAttemptsOver).lastIndexOf(true);
      expect(events.slice(from).reduce(evolveAttempts, NO_ATTEMPTS as DeviceAttempts)).toEqual(whole);
      expect(whole).toEqual({ cutoff: spec.fold(events).cutoff, attempts: spec.fold(events).attempts });
    }
  });
});
