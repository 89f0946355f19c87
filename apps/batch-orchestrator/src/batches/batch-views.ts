import { BatchRequested, BatchView, DeviceView, Href, ProjectRef } from '@flotilla/contracts';
import { BatchRow, DeviceRow } from '@flotilla/batch-read-model';
import { CatalogObjects, facilityView, operatingSystemView, planView } from '../catalog/catalog-views';

export const batchHref = (id: string) => `/batches/${id}`;
export const deviceHref = (id: string) => `/devices/${id}`;
export const projectHref = (id: string) => `/projects/${id}`;
const projectRef = (id: string): ProjectRef => ({ id, href: projectHref(id) });

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
    project: projectRef(data.projectId),
    href: batchHref(data.batchId),
  };
}

/** A batch; its devices as given (embedded, or those of a batch in progress), else as its row lists them. */
export function batchView(row: BatchRow, devices?: (Href | DeviceView)[]): BatchView {
  return {
    id: row.id,
    state: row.state,
    quantity: row.quantity,
    error_messages: row.errorMessages,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    devices: devices ?? row.deviceIds.map((id) => ({ href: deviceHref(id) })),
    project: projectRef(row.projectId),
    ...(row.facilityAllocations ? { facility_allocations: row.facilityAllocations } : {}),
    href: batchHref(row.id),
  };
}

type Attributes = Record<string, unknown>;
const stringOf = (attributes: Attributes, key: string) =>
  typeof attributes[key] === 'string' ? { [key]: attributes[key] as string } : {};

/**
 * A device as Metal's `Device`. The fields its request set show back only in the types Metal gives them (the
 * request is checked so, but the log also holds devices from before that check).
 */
export function deviceView(row: DeviceRow, quarantined: boolean, catalog: CatalogObjects): DeviceView {
  const attributes: Attributes = row.attributes;
  const customdata = attributes.customdata;
  const facility = catalog.facilities.get(row.facility) ?? facilityView({ code: row.facility, name: row.facility });
  return {
    id: row.id,
    short_id: row.id.slice(0, 8),
    hostname: row.hostname,
    ...stringOf(attributes, 'description'),
    state: row.state,
    plan: catalog.plans.get(row.plan) ?? planView({ slug: row.plan, name: row.plan, architecture: '' }),
    facility,
    operating_system:
      catalog.operatingSystems.get(row.operatingSystem) ??
      operatingSystemView({ slug: row.operatingSystem, name: row.operatingSystem, provisionableOn: [] }),
    ...(facility.metro ? { metro: facility.metro } : {}),
    billing_cycle: row.billingCycle,
    tags: row.tags,
    spot_instance: row.spotInstance,
    ...(row.spotPriceMax !== null ? { spot_price_max: row.spotPriceMax } : {}),
    ...(row.spotPrice !== null ? { spot_price: row.spotPrice } : {}),
    ...stringOf(attributes, 'termination_time'),
    locked: attributes.locked === true,
    always_pxe: attributes.always_pxe === true,
    ...stringOf(attributes, 'userdata'),
    customdata:
      typeof customdata === 'object' && customdata !== null && !Array.isArray(customdata)
        ? (customdata as Attributes)
        : {},
    ...(row.error ? { provisioning_error: row.error } : {}),
    batch: { href: batchHref(row.batchId) },
    project: projectRef(row.projectId),
    project_lite: projectRef(row.projectId),
    quarantined,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    href: deviceHref(row.id),
  };
}
