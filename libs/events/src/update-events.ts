import { DomainEvent } from './domain-event';

/**
 * The update-resolver's events (firmware-deployments.md §7), on `evt.update.<aggregate>.<key>`. Devices are named by
 * `identifier`, their identifier within the organization `organizationId` (for provisioned servers: the
 * batch-orchestrator's device id).
 */
export const UpdateAggregates = {
  product: 'product',
  firmware: 'firmware',
  deployment: 'deployment',
  device: 'device',
} as const;

export interface FirmwareMetadata {
  uuid: string;
  product: string;
  version: string;
  architecture: string;
  platform: string;
}

export interface Firmware extends FirmwareMetadata {
  organizationId: string;
  artifactUrl: string;
  author: string | null;
  description: string | null;
  vcsIdentifier: string | null;
  misc: string | null;
}

export interface DeploymentConditions {
  tags: string[];
  version: string | null;
}

export interface FailureRules {
  failureRate: number;
  failureRateSeconds: number;
  failureThreshold: number;
  deviceFailureRate: number;
  deviceFailureRateSeconds: number;
  deviceFailureThreshold: number;
}

export type ProductCreated = DomainEvent<'ProductCreated', { organizationId: string; name: string; createdAt: string }>;
export type FirmwareCreated = DomainEvent<'FirmwareCreated', Firmware & { createdAt: string }>;

export type DeploymentCreated = DomainEvent<
  'DeploymentCreated',
  {
    deploymentId: string;
    organizationId: string;
    product: string;
    name: string;
    firmwareUuid: string;
    conditions: DeploymentConditions;
    isActive: boolean;
    rules: FailureRules;
    createdAt: string;
  }
>;
export type DeploymentUpdated = DomainEvent<
  'DeploymentUpdated',
  {
    deploymentId: string;
    firmwareUuid: string;
    conditions: DeploymentConditions;
    isActive: boolean;
    rules: FailureRules;
    updatedAt: string;
  }
>;
export type DeploymentDeleted = DomainEvent<'DeploymentDeleted', { deploymentId: string; deletedAt: string }>;
export type DeploymentQuarantined = DomainEvent<
  'DeploymentQuarantined',
  { deploymentId: string; reason: string; at: string }
>;
export type DeploymentUnquarantined = DomainEvent<'DeploymentUnquarantined', { deploymentId: string; at: string }>;

export type DeviceRegistered = DomainEvent<
  'DeviceRegistered',
  {
    identifier: string;
    organizationId: string;
    product: string;
    tags: string[];
    credentialHash: string;
    source: 'admin' | 'batch';
    registeredAt: string;
  }
>;
export type DeviceTagsChanged = DomainEvent<
  'DeviceTagsChanged',
  { identifier: string; organizationId: string; tags: string[]; at: string }
>;
/** The credential of a provisioned device was handed out (once; after that it can only be rotated). */
export type DeviceCredentialFetched = DomainEvent<
  'DeviceCredentialFetched',
  { identifier: string; organizationId: string; at: string }
>;
export type DeviceCredentialRotated = DomainEvent<
  'DeviceCredentialRotated',
  { identifier: string; organizationId: string; credentialHash: string; at: string }
>;
export type DeviceFirmwareChanged = DomainEvent<
  'DeviceFirmwareChanged',
  { identifier: string; organizationId: string; from: FirmwareMetadata | null; to: FirmwareMetadata; at: string }
>;
/** An attempt: a check that was offered the deployment's firmware. */
export type UpdateRequested = DomainEvent<
  'UpdateRequested',
  { identifier: string; organizationId: string; deploymentId: string; firmwareUuid: string; at: string }
>;
export type DeviceQuarantined = DomainEvent<
  'DeviceQuarantined',
  { identifier: string; organizationId: string; reason: string; deploymentId: string | null; at: string }
>;
export type DeviceUnquarantined = DomainEvent<
  'DeviceUnquarantined',
  { identifier: string; organizationId: string; at: string }
>;
export type DeviceRetired = DomainEvent<'DeviceRetired', { identifier: string; organizationId: string; at: string }>;

export type DeploymentEvent =
  DeploymentCreated | DeploymentUpdated | DeploymentDeleted | DeploymentQuarantined | DeploymentUnquarantined;
export type DeviceEvent =
  | DeviceRegistered
  | DeviceTagsChanged
  | DeviceCredentialFetched
  | DeviceCredentialRotated
  | DeviceFirmwareChanged
  | UpdateRequested
  | DeviceQuarantined
  | DeviceUnquarantined
  | DeviceRetired;
export type UpdateEvent = ProductCreated | FirmwareCreated | DeploymentEvent | DeviceEvent;

/** Device events, whose version 1 called the identifier `deviceId`. */
const DeviceEventTypes = [
  'DeviceRegistered',
  'DeviceTagsChanged',
  'DeviceCredentialFetched',
  'DeviceCredentialRotated',
  'DeviceFirmwareChanged',
  'UpdateRequested',
  'DeviceQuarantined',
  'DeviceUnquarantined',
  'DeviceRetired',
] as const satisfies readonly DeviceEvent['type'][];

/** Version 2 of the device events calls the device's free-text identifier `identifier` (version 1: `deviceId`). */
export const UpdateEventVersions: Record<UpdateEvent['type'], number> = {
  ProductCreated: 1,
  FirmwareCreated: 1,
  DeploymentCreated: 1,
  DeploymentUpdated: 1,
  DeploymentDeleted: 1,
  DeploymentQuarantined: 1,
  DeploymentUnquarantined: 1,
  DeviceRegistered: 2,
  DeviceTagsChanged: 2,
  DeviceCredentialFetched: 2,
  DeviceCredentialRotated: 2,
  DeviceFirmwareChanged: 2,
  UpdateRequested: 2,
  DeviceQuarantined: 2,
  DeviceUnquarantined: 2,
  DeviceRetired: 2,
};

/** Reads version 1 device events as version 2 (an `Upcaster` of @flotilla/event-store, as plain data). */
export const UpdateEventUpcasters = DeviceEventTypes.map((type) => ({
  type,
  fromVersion: 1,
  upcast: ({ deviceId, ...rest }: { deviceId: string } & Record<string, unknown>) => ({
    ...rest,
    identifier: deviceId,
  }),
}));

/** What a reader or writer of the update stream needs to see every event at its current version. */
export const UpdateEventSchema = { schemaVersions: UpdateEventVersions, upcasters: UpdateEventUpcasters };

/** NervesHub's defaults (firmware-deployments.md §1). */
export const DefaultFailureRules: FailureRules = {
  failureRate: 5,
  failureRateSeconds: 300,
  failureThreshold: 50,
  deviceFailureRate: 5,
  deviceFailureRateSeconds: 180,
  deviceFailureThreshold: 3,
};

/** What an operator may give the update API, checked by the update domain and told by the OpenAPI document. */
export const UpdateLimits = {
  /**
   * Tags of a device or of a deployment's condition: room for a provisioned server's (a batch's at most 100, and the
   * `facility:`, `plan:` and `project:` ones the wiring adds).
   */
  tags: 200,
  tagLength: 255,
  /** A deployment's version requirement (a few dozen clauses). */
  requirementLength: 1_024,
  /** A failure rule's count or seconds: a 32-bit integer, as the peers store them. */
  ruleValue: 2_147_483_647,
  /**
   * Live deployments of one product: a check weighs them all, and a device's update explanation lists them all (one
   * organization cannot make every other one's checks slow). Counted by the fleet view, so creations racing each
   * other may pass it by a few.
   */
  deploymentsPerProduct: 1_000,
} as const;
