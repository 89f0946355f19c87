import { DomainEvent } from './domain-event';

/**
 * The update-resolver's events (firmware-deployments.md §7), on `evt.update.<aggregate>.<key>`. Devices are named by
 * `deviceId`, their identifier within the organization `organizationId` (for provisioned servers: the batch-orchestrator's device id).
 */
export const UpdateAggregates = { product: 'product', firmware: 'firmware', deployment: 'deployment', device: 'device' } as const;

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
  { deploymentId: string; organizationId: string; product: string; name: string; firmwareUuid: string; conditions: DeploymentConditions; isActive: boolean; rules: FailureRules; createdAt: string }
>;
export type DeploymentUpdated = DomainEvent<
  'DeploymentUpdated',
  { deploymentId: string; firmwareUuid: string; conditions: DeploymentConditions; isActive: boolean; rules: FailureRules; updatedAt: string }
>;
export type DeploymentDeleted = DomainEvent<'DeploymentDeleted', { deploymentId: string; deletedAt: string }>;
export type DeploymentQuarantined = DomainEvent<'DeploymentQuarantined', { deploymentId: string; reason: string; at: string }>;
export type DeploymentUnquarantined = DomainEvent<'DeploymentUnquarantined', { deploymentId: string; at: string }>;

export type DeviceRegistered = DomainEvent<
  'DeviceRegistered',
  { deviceId: string; organizationId: string; product: string; tags: string[]; credentialHash: string; source: 'admin' | 'batch'; registeredAt: string }
>;
export type DeviceTagsChanged = DomainEvent<'DeviceTagsChanged', { deviceId: string; organizationId: string; tags: string[]; at: string }>;
/** The credential of a provisioned device was handed out (once; after that it can only be rotated). */
export type DeviceCredentialFetched = DomainEvent<'DeviceCredentialFetched', { deviceId: string; organizationId: string; at: string }>;
export type DeviceCredentialRotated = DomainEvent<'DeviceCredentialRotated', { deviceId: string; organizationId: string; credentialHash: string; at: string }>;
export type DeviceFirmwareChanged = DomainEvent<'DeviceFirmwareChanged', { deviceId: string; organizationId: string; from: FirmwareMetadata | null; to: FirmwareMetadata; at: string }>;
/** An attempt: a check that was offered the deployment's firmware. */
export type UpdateRequested = DomainEvent<'UpdateRequested', { deviceId: string; organizationId: string; deploymentId: string; firmwareUuid: string; at: string }>;
export type DeviceQuarantined = DomainEvent<'DeviceQuarantined', { deviceId: string; organizationId: string; reason: string; deploymentId: string | null; at: string }>;
export type DeviceUnquarantined = DomainEvent<'DeviceUnquarantined', { deviceId: string; organizationId: string; at: string }>;
export type DeviceRetired = DomainEvent<'DeviceRetired', { deviceId: string; organizationId: string; at: string }>;

export type DeploymentEvent = DeploymentCreated | DeploymentUpdated | DeploymentDeleted | DeploymentQuarantined | DeploymentUnquarantined;
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

export const UpdateEventVersions: Record<UpdateEvent['type'], number> = {
  ProductCreated: 1,
  FirmwareCreated: 1,
  DeploymentCreated: 1,
  DeploymentUpdated: 1,
  DeploymentDeleted: 1,
  DeploymentQuarantined: 1,
  DeploymentUnquarantined: 1,
  DeviceRegistered: 1,
  DeviceTagsChanged: 1,
  DeviceCredentialFetched: 1,
  DeviceCredentialRotated: 1,
  DeviceFirmwareChanged: 1,
  UpdateRequested: 1,
  DeviceQuarantined: 1,
  DeviceUnquarantined: 1,
  DeviceRetired: 1,
};

/** NervesHub's defaults (firmware-deployments.md §1). */
export const DefaultFailureRules: FailureRules = {
  failureRate: 5,
  failureRateSeconds: 300,
  failureThreshold: 50,
  deviceFailureRate: 5,
  deviceFailureRateSeconds: 180,
  deviceFailureThreshold: 3,
};
