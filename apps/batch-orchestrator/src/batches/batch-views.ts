import { BatchRequested, BatchView, DeviceView } from '@flotilla/contracts';
import { BatchRow, DeviceRow } from '@flotilla/batch-read-model';

export const batchHref = (id: string) => `/batches/${id}`;
export const deviceHref = (id: string) => `/devices/${id}`;
export const projectHref = (id: string) => `/projects/${id}`;

/** A batch as the 201 of its request shows it: queued, nothing placed yet. */
export function requestedBatchView({ data }: Pick<BatchRequested, 'data'>): BatchView {
  return {
    id: data.batchId,
    state: 'queued',
    quantity: data.item.quantity,
    error_messages: [],
    created_at: data.requestedAt,
    updated_at: data.requestedAt,
    devices: [],
    project: { href: projectHref(data.projectId) },
    href: batchHref(data.batchId),
  };
}

export function batchView(row: BatchRow, devices?: DeviceView[]): BatchView {
  return {
    id: row.id,
    state: row.state,
    quantity: row.quantity,
    error_messages: row.errorMessages,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    devices: devices ?? row.deviceIds.map((id) => ({ href: deviceHref(id) })),
    project: { href: projectHref(row.projectId) },
    ...(row.facilityAllocations ? { facility_allocations: row.facilityAllocations } : {}),
    href: batchHref(row.id),
  };
}

/** The stored request fields (description, userdata, …) sit beside the device's own, as the real API showed them. */
export function deviceView(row: DeviceRow, quarantined: boolean): DeviceView {
  const { project_id: _projectId, ...attributes } = row.attributes;
  return {
    ...attributes,
    id: row.id,
    hostname: row.hostname,
    state: row.state,
    plan: row.plan,
    facility: row.facility,
    operating_system: row.operatingSystem,
    billing_cycle: row.billingCycle,
    tags: row.tags,
    spot_instance: row.spotInstance,
    spot_price_max: row.spotPriceMax,
    spot_price: row.spotPrice,
    ...(row.error ? { provisioning_error: row.error } : {}),
    batch: { href: batchHref(row.batchId) },
    project: { href: projectHref(row.projectId) },
    quarantined,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    href: deviceHref(row.id),
  };
}
