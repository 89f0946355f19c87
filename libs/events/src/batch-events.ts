import { DomainEvent } from './domain-event';
import { TenancyEventVersions } from './tenancy-events';

/** Batches live on `evt.batch.batch.<id>`; a device's later life (deletion) on `evt.batch.device.<id>`. */
export const BatchAggregate = 'batch';
export const DeviceAggregate = 'device';

export interface RequestedItem {
  plan: string;
  operatingSystem: string;
  quantity: number;
  facility: string[];
  /** The metro the item named instead of facilities (its `facility` is then `["any"]`). */
  metro?: string;
  /** The facilities `any` chooses among, when a metro was named: its facilities at the request. */
  within?: string[];
  facilityDiversityLevel?: number;
  billingCycle: string;
  tags: string[];
  spotInstance: boolean;
  spotPriceMax?: number;
  /** Fields stored on the devices as given (description, userdata, …). */
  attributes: Record<string, unknown>;
}

export interface FacilityAllocation {
  facility: string;
  quantity: number;
}

/** A device as the batch that made it describes it. */
export interface DeviceDescription {
  deviceId: string;
  batchId: string;
  projectId: string;
  organizationId: string;
  /** 0-based position in allocation order. */
  index: number;
  hostname: string;
  plan: string;
  facility: string;
  operatingSystem: string;
  billingCycle: string;
  tags: string[];
  spotInstance: boolean;
  spotPriceMax: number | null;
  /** The facility's spot price when the device was placed (spot devices only). */
  spotPrice: number | null;
  attributes: Record<string, unknown>;
}

export type BatchRequested = DomainEvent<
  'BatchRequested',
  {
    batchId: string;
    projectId: string;
    organizationId: string;
    item: RequestedItem;
    hostnames: string[] | null;
    hostname: string | null;
    requestedAt: string;
  }
>;
export type BatchStarted = DomainEvent<'BatchStarted', { batchId: string; startedAt: string }>;
export type BatchPlaced = DomainEvent<
  'BatchPlaced',
  {
    batchId: string;
    allocations: FacilityAllocation[];
    spotPrices: Record<string, number>;
    placedAt: string;
    /** The capacity reservation it was placed with (absent in commits written before reservations were named). */
    reservation?: string;
  }
>;
/** A device exists and is being provisioned; its server is reserved for it. */
export type DeviceCreated = DomainEvent<'DeviceCreated', DeviceDescription & { createdAt: string }>;
/** Integration event: a server was put into service (the update-resolver registers it as a device). */
export type DeviceProvisioned = DomainEvent<'DeviceProvisioned', DeviceDescription & { provisionedAt: string }>;
export type DeviceProvisioningFailed = DomainEvent<
  'DeviceProvisioningFailed',
  { deviceId: string; batchId: string; error: string; failedAt: string }
>;
export type BatchCompleted = DomainEvent<
  'BatchCompleted',
  { batchId: string; deviceIds: string[]; completedAt: string }
>;
export type BatchFailed = DomainEvent<
  'BatchFailed',
  { batchId: string; errorMessages: string[]; deviceIds: string[]; failedAt: string }
>;
export type BatchDeleted = DomainEvent<
  'BatchDeleted',
  { batchId: string; removeAssociatedInstances: boolean; deviceIds: string[]; deletedAt: string }
>;

export type BatchEvent =
  | BatchRequested
  | BatchStarted
  | BatchPlaced
  | DeviceCreated
  | DeviceProvisioned
  | DeviceProvisioningFailed
  | BatchCompleted
  | BatchFailed
  | BatchDeleted;

/** On the device's own subject. `heldCapacity`: the device was live, so its server goes back to the pool. */
export type DeviceDeleted = DomainEvent<
  'DeviceDeleted',
  {
    deviceId: string;
    batchId: string;
    organizationId: string;
    plan: string;
    facility: string;
    heldCapacity: boolean;
    deletedAt: string;
  }
>;

/**
 * On the device's own subject: the device was locked or unlocked (Metal's `locked`, set by its batch item and changed
 * since). A locked device cannot be deleted.
 */
export type DeviceLockChanged = DomainEvent<
  'DeviceLockChanged',
  { deviceId: string; batchId: string; organizationId: string; locked: boolean; changedAt: string }
>;

/** What can be changed of a device's details after its batch made it (of Metal's `DeviceUpdateInput`). */
export interface DeviceDetails {
  hostname?: string;
  description?: string;
  tags?: string[];
  customdata?: Record<string, unknown>;
}

/**
 * On the device's own subject: details changed (Metal's `PUT /devices/{id}`), only the fields given. Its tags are the
 * batch side's labels: the firmware side took the batch's tags when it registered the server and keeps its own since.
 */
export type DeviceUpdated = DomainEvent<
  'DeviceUpdated',
  DeviceDetails & { deviceId: string; batchId: string; organizationId: string; updatedAt: string }
>;

/** The events of a device's own subject: its life after its batch created it. */
export type BatchDeviceEvent = DeviceLockChanged | DeviceUpdated | DeviceDeleted;

export const BatchEventVersions: Record<BatchEvent['type'] | BatchDeviceEvent['type'], number> = {
  BatchRequested: 1,
  BatchStarted: 1,
  BatchPlaced: 1,
  DeviceCreated: 1,
  DeviceProvisioned: 1,
  DeviceProvisioningFailed: 1,
  BatchCompleted: 1,
  BatchFailed: 1,
  BatchDeleted: 1,
  DeviceLockChanged: 1,
  DeviceUpdated: 1,
  DeviceDeleted: 1,
};

/** The catalog's events (their types are the batch domain's, `catalog.ts`, which checks this list is whole). */
export const CatalogEventVersions = {
  MetroDefined: 1,
  FacilityDefined: 1,
  PlanDefined: 1,
  OperatingSystemDefined: 1,
  SpotPriceSet: 1,
} as const;

/** A facility holds at most this many servers of one plan: an explicit limit, within every store's integers. */
export const CapacityLimits = { total: 1_000_000 } as const;

/** The capacity aggregates' events (their types are the batch domain's, `capacity.ts`, which checks this list). */
export const CapacityEventVersions = {
  CapacityTotalSet: 1,
  CapacityReserved: 1,
  CapacityReservationRefused: 1,
  ReservedCapacityUsed: 1,
  ReservationReleased: 1,
  DeviceCapacityReleased: 1,
} as const;

/**
 * What a reader or writer of the batch stream needs to see every event at its current version: every type the
 * stream holds (organizations', the catalog's, capacity's, batches' and devices'), so that one of a type not listed is
 * known to come from a newer release.
 */
export const BatchLogEventSchema = {
  schemaVersions: {
    ...TenancyEventVersions,
    ...CatalogEventVersions,
    ...CapacityEventVersions,
    ...BatchEventVersions,
  } as Record<string, number>,
};
