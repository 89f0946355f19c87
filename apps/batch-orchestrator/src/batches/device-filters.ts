import { Brackets, SelectQueryBuilder } from 'typeorm';
import { ListDevicesRequest } from '@flotilla/contracts';
import { DeviceRow, FacilityRow, OperatingSystemRow, PlanRow } from '@flotilla/batch-read-model';

/** `text` inside a LIKE pattern, matched as it is (`%`, `_` and the escape character taken literally). */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Narrows a query of devices (alias `d`) to those every filter of the request holds for, as Metal's
 * `findProjectDevices` filters: facility and metro codes ignoring case, tags exactly, hostname and search by part
 * ignoring case.
 */
export function whereDevicesMatch(query: SelectQueryBuilder<DeviceRow>, filters: ListDevicesRequest): void {
  const { search, facility, metro, hostname, tag, type, reserved, hasTerminationTime } = filters;
  const slugsNamed = (entity: typeof PlanRow | typeof FacilityRow | typeof OperatingSystemRow, key: string) =>
    query.subQuery().select(`c.${key}`).from(entity, 'c').where('c.name ILIKE :search').getQuery();
  // Codes are lower-case, and named in any case, as a batch item names them.
  if (facility !== undefined) query.andWhere('d.facility = :facility', { facility: facility.toLowerCase() });
  if (metro !== undefined)
    query.andWhere(
      `d.facility IN ${query.subQuery().select('f.code').from(FacilityRow, 'f').where('f.metro = :metro').getQuery()}`,
      { metro: metro.toLowerCase() },
    );
  if (hostname !== undefined) query.andWhere('d.hostname ILIKE :hostname', { hostname: containing(hostname) });
  if (tag !== undefined) query.andWhere('d.tags @> CAST(:tag AS jsonb)', { tag: JSON.stringify([tag]) });
  if (type === 'ondemand') query.andWhere('d.spot_instance = false');
  if (type === 'spot') query.andWhere('d.spot_instance = true');
  // No device here is on a hardware reservation.
  if (type === 'reserved' || reserved === true) query.andWhere('false');
  if (hasTerminationTime !== undefined)
    query.andWhere(`(d.attributes ->> 'termination_time') IS ${hasTerminationTime ? 'NOT NULL' : 'NULL'}`);
  if (search !== undefined) {
    query.setParameter('search', containing(search));
    query.andWhere(
      new Brackets((any) =>
        any
          .where('d.hostname ILIKE :search')
          .orWhere(`(d.attributes ->> 'description') ILIKE :search`)
          .orWhere('CAST(d.id AS text) ILIKE :search')
          .orWhere('EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.tags) AS t(tag) WHERE t.tag ILIKE :search)')
          .orWhere('d.plan ILIKE :search')
          .orWhere('d.facility ILIKE :search')
          .orWhere('d.operating_system ILIKE :search')
          .orWhere(`d.plan IN ${slugsNamed(PlanRow, 'slug')}`)
          .orWhere(`d.facility IN ${slugsNamed(FacilityRow, 'code')}`)
          .orWhere(`d.operating_system IN ${slugsNamed(OperatingSystemRow, 'slug')}`),
      ),
    );
  }
}

/** The filters as query parameters of the list's links (`meta`), by their HTTP names. */
export function filterParameters(filters: ListDevicesRequest): Record<string, string> {
  const { search, facility, metro, hostname, tag, type, reserved, hasTerminationTime } = filters;
  const given = { search, facility, metro, hostname, tag, type, reserved, has_termination_time: hasTerminationTime };
  return Object.fromEntries(
    Object.entries(given)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, String(value)]),
  );
}
