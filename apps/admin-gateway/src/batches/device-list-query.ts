import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { DEVICE_TYPES, ListDevicesRequest, Paging } from '@flotilla/contracts';
import { ApiPaging, paging } from '../paging';
import { NO_PLAN_CATEGORIES, queryFilters, queryFlag } from '../query-filters';

/** `GET /projects/{id}/devices`'s query parameters in the API document: Metal's `findProjectDevices` filters. */
export const ApiDeviceListQuery = () =>
  applyDecorators(
    ApiPaging(),
    ApiQuery({
      name: 'search',
      required: false,
      description:
        "part of a device's hostname, description, id (short_id), tags, or its plan's, facility's or operating " +
        "system's slug or name, ignoring case",
    }),
    ApiQuery({ name: 'facility', required: false, description: 'a facility code, in any case' }),
    ApiQuery({
      name: 'metro',
      required: false,
      description: "a metro code, in any case: devices in that metro's facilities",
    }),
    ApiQuery({ name: 'hostname', required: false, description: 'part of the hostname, ignoring case' }),
    ApiQuery({ name: 'tag', required: false, description: 'a tag the device has' }),
    ApiQuery({ name: 'type', required: false, enum: [...DEVICE_TYPES] }),
    ApiQuery({ name: 'reserved', required: false, enum: ['true', 'false'], description: 'no device is reserved' }),
    ApiQuery({ name: 'has_termination_time', required: false, enum: ['true', 'false'] }),
  );

/**
 * The list request for Metal's `findProjectDevices` query: its filters and page, with every problem of the query string
 * at once (a parameter given twice, a flag that is not true or false, a type Metal does not name, the `categories` and
 * `mac_address` filters, which plans and devices here have no data for, and paging). Lengths are the service's to
 * check. A filter given empty (`?facility=`, as clients that fill a URL template send one they were not given) filters
 * nothing rather than matching no device; an empty `page` or `per_page` is still refused.
 */
export function deviceListQuery(projectId: string, query: Record<string, unknown>): ListDevicesRequest {
  const problems: string[] = [];
  const { once, filter, unmodelled } = queryFilters(query, problems);
  const flag = (name: string): boolean | undefined => {
    const value = filter(name);
    if (value === undefined) return undefined;
    const given = queryFlag(value);
    if (given === undefined) problems.push(`${name} must be true or false`);
    return given;
  };
  const type = filter('type');
  if (type !== undefined && !(DEVICE_TYPES as readonly string[]).includes(type))
    problems.push(`type must be one of ${DEVICE_TYPES.join(', ')}`);
  unmodelled('categories', NO_PLAN_CATEGORIES);
  unmodelled('mac_address', 'devices here have no network ports');
  const filters = {
    projectId,
    search: filter('search'),
    facility: filter('facility'),
    metro: filter('metro'),
    hostname: filter('hostname'),
    tag: filter('tag'),
    type: type as ListDevicesRequest['type'],
    reserved: flag('reserved'),
    hasTerminationTime: flag('has_termination_time'),
  };
  const page = paging(once('page'), once('per_page'), Paging.maxPerPage, problems);
  return { ...filters, ...page };
}
