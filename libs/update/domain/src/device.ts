import { DeviceEvent, FailureRules, FirmwareMetadata, UpdateLimits } from '@flotilla/events';
import { Decider, DomainError } from '@flotilla/decider';
import { appendAttempt, AttemptTimes, countAttempts } from './attempt-times';

export interface DeviceState {
  status: 'absent' | 'active' | 'retired';
  identifier: string;
  organizationId: string;
  product: string;
  tags: string[];
  credentialHash: string;
  source: 'admin' | 'batch';
  /** Whether its first credential may still be handed out (provisioned devices, once). */
  credentialFetchable: boolean;
  quarantined: boolean;
  firmware: FirmwareMetadata | null;
  /** The device's own part of every cut-off: its last unquarantine or firmware change (epoch ms). */
  cutoff: number;
  /** Attempt times per deployment since `cutoff`: under rules that quarantine late, as many as the device made. */
  attempts: Record<string, AttemptTimes>;
}

/** A device's attempts since its cut-off: what its checks decide on beyond what the fleet view's table holds. */
export type DeviceAttempts = Pick<DeviceState, 'cutoff' | 'attempts'>;

export const NO_ATTEMPTS: Readonly<DeviceAttempts> = Object.freeze({ cutoff: 0, attempts: Object.freeze({}) });

/** What a check needs to know of the deployment chosen for the device. */
export interface OfferedDeployment {
  deploymentId: string;
  firmwareUuid: string;
  rules: Pick<FailureRules, 'deviceFailureRate' | 'deviceFailureRateSeconds' | 'deviceFailureThreshold'>;
  /** The deployment's part of the cut-off (epoch ms): its creation, its last firmware change or unquarantine. */
  cutoff: number;
}

export type DeviceCommand =
  | {
      type: 'RegisterDevice';
      identifier: string;
      organizationId: string;
      product: string;
      tags: string[];
      credentialHash: string;
      source: 'admin' | 'batch';
    }
  | { type: 'ChangeTags'; tags: string[] }
  | { type: 'RotateCredential'; credentialHash: string }
  | { type: 'FetchCredential' }
  | { type: 'ReportFirmware'; firmware: FirmwareMetadata }
  /**
   * A non-preflight check that would be offered `deployment`: the firmware the device reports recorded if the log has
   * other firmware for it (an instance's view may not hold yet what another instance recorded), then an attempt, or
   * quarantine if the device is past its rules, all in one commit.
   */
  | { type: 'CheckForUpdate'; deployment: OfferedDeployment; reported: FirmwareMetadata | null }
  | { type: 'QuarantineDevice'; reason: string }
  | { type: 'UnquarantineDevice' }
  /** Names the device, for one that was never registered: it is retired all the same (see the decider). */
  | { type: 'RetireDevice'; identifier: string; organizationId: string };

/**
 * The shape of `DeviceState` as snapshots keep it: raise it with any change to the type. 2: attempt times in chunks.
 */
export const deviceStateFormat = 2;

export const initialDeviceState = (): DeviceState => ({
  status: 'absent',
  identifier: '',
  organizationId: '',
  product: '',
  tags: [],
  credentialHash: '',
  source: 'admin',
  credentialFetchable: false,
  quarantined: false,
  firmware: null,
  cutoff: 0,
  attempts: {},
});

/** Whether `tags` is a list of tags within the limits; empty allowed. */
export const isTagList = (tags: unknown): tags is string[] =>
  Array.isArray(tags) &&
  tags.length <= UpdateLimits.tags &&
  tags.every((t) => typeof t === 'string' && t.length >= 1 && t.length <= UpdateLimits.tagLength);

export function validateTags(tags: unknown): string[] {
  if (!isTagList(tags)) {
    throw DomainError.invalid([
      `tags must be an array of at most ${UpdateLimits.tags} strings of 1 to ${UpdateLimits.tagLength} characters`,
    ]);
  }
  return [...new Set(tags)];
}

/** Why the device may not be offered the deployment again, if it may not: firmware-deployments.md §5. */
export function deviceRuleBroken(
  state: DeviceState,
  deployment: OfferedDeployment,
  now: number,
): 'device_failure_rate' | 'device_failure_threshold' | null {
  const attempts = countAttempts(
    state.attempts[deployment.deploymentId] ?? [],
    Math.max(state.cutoff, deployment.cutoff),
    now - deployment.rules.deviceFailureRateSeconds * 1000,
  );
  if (attempts.after >= deployment.rules.deviceFailureRate) return 'device_failure_rate';
  if (attempts.since >= deployment.rules.deviceFailureThreshold) return 'device_failure_threshold';
  return null;
}

/** What a check decided beside any firmware change it recorded: an attempt, a quarantine, or nothing. */
export const checkDecision = <E extends { type: string }>(events: readonly E[]): E | undefined =>
  events.find((e) => e.type === 'UpdateRequested' || e.type === 'DeviceQuarantined');

/** What a check would decide for the device, writing nothing (a preflight check): the command a real check runs. */
export function previewCheck(
  state: DeviceState,
  reported: FirmwareMetadata | null,
  deployment: OfferedDeployment,
  now: Date,
): 'offered' | 'quarantined' | 'nothing' {
  const decided = checkDecision(deviceDecider.decide({ type: 'CheckForUpdate', deployment, reported }, state, { now }));
  return decided?.type === 'UpdateRequested'
    ? 'offered'
    : decided?.type === 'DeviceQuarantined'
      ? 'quarantined'
      : 'nothing';
}

/** The firmware a device reports, if it is not the firmware it is known to run. */
function firmwareReport(state: DeviceState, firmware: FirmwareMetadata, at: string): DeviceEvent[] {
  if (state.firmware?.uuid === firmware.uuid) return [];
  const { identifier, organizationId } = state;
  return [
    { type: 'DeviceFirmwareChanged', data: { identifier, organizationId, from: state.firmware, to: firmware, at } },
  ];
}

export const deviceDecider: Decider<DeviceCommand, DeviceState, DeviceEvent> = {
  initialState: initialDeviceState,

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'RegisterDevice') {
      if (state.status === 'active') throw DomainError.conflict(`device ${command.identifier} is already registered`);
      // A provisioned server's id is never reused: once retired it does not come back, however late its
      // DeviceProvisioned is read again.
      if (state.status === 'retired' && command.source === 'batch') return [];
      const { type: _type, ...data } = command;
      return [{ type: 'DeviceRegistered', data: { ...data, tags: validateTags(command.tags), registeredAt: at } }];
    }
    if (command.type === 'RetireDevice') {
      if (state.status === 'retired') return [];
      // A server deleted before its registration was read (the two are on different subjects of the batch log, read
      // side by side) is retired unregistered: the tombstone keeps its late registration out.
      const { identifier, organizationId } = state.status === 'active' ? state : command;
      return [{ type: 'DeviceRetired', data: { identifier, organizationId, at } }];
    }
    if (state.status !== 'active') throw DomainError.notFound('device');
    const { identifier, organizationId } = state;
    switch (command.type) {
      case 'ChangeTags':
        return [
          { type: 'DeviceTagsChanged', data: { identifier, organizationId, tags: validateTags(command.tags), at } },
        ];
      case 'FetchCredential':
        if (!state.credentialFetchable)
          throw DomainError.conflict('the credential was already handed out: rotate it to get a new one');
        return [{ type: 'DeviceCredentialFetched', data: { identifier, organizationId, at } }];
      case 'RotateCredential':
        return [
          {
            type: 'DeviceCredentialRotated',
            data: { identifier, organizationId, credentialHash: command.credentialHash, at },
          },
        ];
      case 'ReportFirmware':
        return firmwareReport(state, command.firmware, at);
      case 'CheckForUpdate': {
        const report = command.reported ? firmwareReport(state, command.reported, at) : [];
        const current = report.reduce(deviceDecider.evolve, state);
        if (current.quarantined) return report;
        const { deploymentId, firmwareUuid } = command.deployment;
        const broken = deviceRuleBroken(current, command.deployment, now.getTime());
        return [
          ...report,
          broken
            ? { type: 'DeviceQuarantined', data: { identifier, organizationId, reason: broken, deploymentId, at } }
            : { type: 'UpdateRequested', data: { identifier, organizationId, deploymentId, firmwareUuid, at } },
        ];
      }
      case 'QuarantineDevice':
        return state.quarantined
          ? []
          : [
              {
                type: 'DeviceQuarantined',
                data: { identifier, organizationId, reason: command.reason, deploymentId: null, at },
              },
            ];
      case 'UnquarantineDevice':
        return state.quarantined ? [{ type: 'DeviceUnquarantined', data: { identifier, organizationId, at } }] : [];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'DeviceRegistered': {
        const { identifier, organizationId, product, tags, credentialHash, source } = event.data;
        return {
          ...initialDeviceState(),
          status: 'active',
          identifier,
          organizationId,
          product,
          tags,
          credentialHash,
          source,
          credentialFetchable: source === 'batch',
        };
      }
      case 'DeviceTagsChanged':
        return { ...state, tags: event.data.tags };
      case 'DeviceCredentialFetched':
        return { ...state, credentialFetchable: false };
      case 'DeviceCredentialRotated':
        return { ...state, credentialHash: event.data.credentialHash, credentialFetchable: false };
      case 'DeviceFirmwareChanged':
        return { ...state, firmware: event.data.to, ...evolveAttempts(state, event) };
      case 'UpdateRequested':
        return { ...state, ...evolveAttempts(state, event) };
      case 'DeviceQuarantined':
        return { ...state, quarantined: true };
      case 'DeviceUnquarantined':
        return { ...state, quarantined: false, ...evolveAttempts(state, event) };
      case 'DeviceRetired':
        return { ...state, status: 'retired' };
    }
  },
};

/**
 * A device's attempts after one of its events: the aggregate's fold of them, which the fleet view runs too, so a check
 * decided on the view's copy decides as on the aggregate. The same object back when the event leaves them as they were.
 */
export function evolveAttempts(part: DeviceAttempts, event: DeviceEvent): DeviceAttempts {
  switch (event.type) {
    case 'DeviceRegistered':
      return NO_ATTEMPTS;
    case 'DeviceFirmwareChanged':
    case 'DeviceUnquarantined':
      return { cutoff: Date.parse(event.data.at), attempts: {} };
    case 'UpdateRequested': {
      const { deploymentId } = event.data;
      const times = appendAttempt(part.attempts[deploymentId] ?? [], Date.parse(event.data.at));
      return { cutoff: part.cutoff, attempts: { ...part.attempts, [deploymentId]: times } };
    }
    default:
      return part;
  }
}

/** Whether an event starts a device's attempts over: after it, its attempts are known whatever came before. */
export const startsAttemptsOver = (event: DeviceEvent): boolean =>
  event.type === 'DeviceRegistered' || event.type === 'DeviceFirmwareChanged' || event.type === 'DeviceUnquarantined';

/**
 * The state a check decides on, made from a view of the log instead of read from it: the device as the view holds it
 * and its attempts. Complete in what a check's commands read (`CheckForUpdate`, `ReportFirmware`), not in the rest
 * (whether its credential may be handed out), so it is for those alone and never kept as the aggregate's state.
 */
export function checkingState(
  device: Pick<
    DeviceState,
    'identifier' | 'organizationId' | 'product' | 'credentialHash' | 'quarantined' | 'firmware'
  > & {
    tags: readonly string[];
  },
  part: DeviceAttempts,
): DeviceState {
  const { identifier, organizationId, product, tags, credentialHash, quarantined, firmware } = device;
  return {
    ...initialDeviceState(),
    status: 'active',
    identifier,
    organizationId,
    product,
    tags: [...tags],
    credentialHash,
    quarantined,
    firmware,
    cutoff: part.cutoff,
    attempts: part.attempts,
  };
}
