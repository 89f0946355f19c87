import { DeviceDetails } from '@flotilla/events';
import { deviceFieldProblems } from './batch-item';
import { isValidHostname } from './hostnames';

/** What can be changed of a device (of Metal's `DeviceUpdateInput`), as checked by `validateDeviceChanges`. */
export type DeviceChanges = DeviceDetails & { locked?: boolean };

const DETAILS = ['hostname', 'description', 'tags', 'customdata'] as const;
export const CHANGEABLE_DEVICE_FIELDS = ['locked', ...DETAILS] as const;

/**
 * The rest of `DeviceUpdateInput`: what the device was made with and cannot change here (no reinstall, no network or
 * billing changes). Each is refused rather than ignored, so that no client takes a change for made.
 */
export const UNCHANGEABLE_DEVICE_FIELDS = [
  'always_pxe',
  'billing_cycle',
  'firmware_set_id',
  'ipxe_script_url',
  'network_frozen',
  'spot_instance',
  'userdata',
] as const;

export type DeviceChangesValidation = { ok: true; changes: DeviceChanges } | { ok: false; problems: string[] };

/**
 * Checks a change of a device as a client sends it, by the rules its batch item's fields had, and lists every
 * problem. `null` counts as absent, as in a batch item; fields Metal does not know are ignored.
 */
export function validateDeviceChanges(body: Record<string, unknown>): DeviceChangesValidation {
  const given = (field: string) => body[field] !== undefined && body[field] !== null;
  const problems: string[] = [];
  if (given('locked') && typeof body.locked !== 'boolean') problems.push('locked must be true or false');
  if (given('hostname') && (typeof body.hostname !== 'string' || !isValidHostname(body.hostname)))
    problems.push('hostname must be a valid host name (RFC 1123)');
  for (const field of ['description', 'tags', 'customdata'] as const) {
    const wrong = given(field) && deviceFieldProblems[field](body[field]);
    if (wrong) problems.push(`${field} ${wrong}`);
  }
  for (const field of UNCHANGEABLE_DEVICE_FIELDS.filter(given))
    problems.push(`${field} cannot be changed here: only ${CHANGEABLE_DEVICE_FIELDS.join(', ')} can`);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    changes: Object.fromEntries(CHANGEABLE_DEVICE_FIELDS.filter(given).map((field) => [field, body[field]])),
  };
}

/** The details a change sets, if any (its lock aside). */
export function detailsOf(changes: DeviceChanges): DeviceDetails | null {
  const details = Object.fromEntries(DETAILS.filter((f) => changes[f] !== undefined).map((f) => [f, changes[f]]));
  return Object.keys(details).length ? details : null;
}
