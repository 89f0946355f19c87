import { CapacityLevel, FacilityView, MetroView, OperatingSystemView, PlanView } from '@flotilla/contracts';
import { CapacityRow, FacilityRow, MetroRow, OperatingSystemRow, PlanRow } from '@flotilla/batch-read-model';
import { catalogId } from '@flotilla/batch-domain';

type Counts = Pick<CapacityRow, 'total' | 'held' | 'reserved'>;

export const availableOf = (row: Counts) => Math.max(0, row.total - row.held - row.reserved);

/** `limited` when a fifth or less of the servers are left, as Equinix Metal flagged scarce capacity. */
export function capacityLevel(row: Counts): CapacityLevel {
  const available = availableOf(row);
  if (available === 0) return 'unavailable';
  return available * 5 <= row.total ? 'limited' : 'normal';
}

/** The catalog as resources embed it: Metal's objects by code and slug. */
export interface CatalogObjects {
  metros: ReadonlyMap<string, MetroView>;
  facilities: ReadonlyMap<string, FacilityView>;
  plans: ReadonlyMap<string, PlanView>;
  operatingSystems: ReadonlyMap<string, OperatingSystemView>;
}

export function metroView({ code, name, country }: MetroRow): MetroView {
  const id = catalogId('metro', code);
  return { id, code, name, country, href: `/locations/metros/${id}` };
}

/** A facility with its metro's object (`metros`: the catalog's, by code). */
export function facilityView(
  { code, name, metro }: Pick<FacilityRow, 'code' | 'name'> & Partial<Pick<FacilityRow, 'metro'>>,
  metros: ReadonlyMap<string, MetroView> = new Map(),
): FacilityView {
  const id = catalogId('facility', code);
  const metroObject = metro ? metros.get(metro) : undefined;
  return {
    id,
    code,
    name,
    features: ['baremetal'],
    ...(metroObject ? { metro: metroObject } : {}),
    href: `/facilities/${id}`,
  };
}

export function planView({ slug, name, architecture }: PlanRow): PlanView {
  const id = catalogId('plan', slug);
  return {
    id,
    slug,
    name,
    class: slug,
    line: 'baremetal',
    type: 'standard',
    deployment_types: ['on_demand', 'spot_market'],
    architecture,
    href: `/plans/${id}`,
  };
}

/** `ubuntu_22_04` is distro `ubuntu`, version `22.04`, as Metal names its images. */
export function operatingSystemView({ slug, name, provisionableOn }: OperatingSystemRow): OperatingSystemView {
  const id = catalogId('operating-system', slug);
  const [distro, ...version] = slug.split('_');
  return {
    id,
    slug,
    name,
    distro,
    version: version.join('.'),
    provisionable_on: provisionableOn,
    preinstallable: false,
    licensed: false,
    href: `/operating-systems/${id}`,
  };
}
