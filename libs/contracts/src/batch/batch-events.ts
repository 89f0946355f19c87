import { DomainEvent } from '../platform/domain-event';

/** Batches live on `evt.batch.batch.<id>`, devices on `evt.batch.device.<id>`. */
export const BatchAggregate = 'batch';
export const DeviceAggregate = 'device';

export interface RequestedItem {
  plan: string;
  operatingSystem: string;
  quantity: number;
  facility: string[];
  facilityDiversityLevel?: number;
  billingCycle: string;
  tags: string[];
  spotInstance: boolean;
  spotPriceMax?: number;
  attributes: Record<string, unknown>;
}

export type BatchRequested = DomainEvent<
  'BatchRequested',
  { batchId: string; projectId: string; organizationId: string; item: RequestedItem; hostnames: string[] | null; hostname: string | null; requestedAt: string }
>;
export type BatchStarted = DomainEvent<'BatchStarted', { batchId: string; startedAt: string }>;
export type BatchPlaced = DomainEvent<'BatchPlaced', { batchId: string; allocations: { facility: string; quantity: number }[] }>;
export type BatchCompleted = DomainEvent<'BatchCompleted', { batchId: string; deviceIds: string[]; completedAt: string }>;
export type BatchFailed = DomainEvent<'BatchFailed', { batchId: string; errorMessages: string[]; deviceIds: string[]; failedAt: string }>;
export type BatchDeleted = DomainEvent<'BatchDeleted', { batchId: string; removeAssociatedInstances: boolean; deletedAt: string }>;

export type BatchEvent = BatchRequested | BatchStarted | BatchPlaced | BatchCompleted | BatchFailed | BatchDeleted;

/** Integration event: a server was put into service (the update-resolver registers it as a device). */
export type DeviceProvisioned = DomainEvent<
  'DeviceProvisioned',
  {
    deviceId: string;
    batchId: string;
    projectId: string;
    organizationId: string;
    hostname: string;
    plan: string;
    facility: string;
    operatingSystem: string;
    billingCycle: string;
    tags: string[];
    spotInstance: boolean;
    spotPriceMax: number | null;
    spotPrice: number | null;
    provisionedAt: string;
  }
>;

export const BatchEventVersions: Record<BatchEvent['type'] | DeviceProvisioned['type'], number> = {
  BatchRequested: 1,
  BatchStarted: 1,
  BatchPlaced: 1,
  BatchCompleted: 1,
  BatchFailed: 1,
  BatchDeleted: 1,
  DeviceProvisioned: 1,
};
