import { catalogCode } from './catalog-ids';
import { expandHostnames, isValidHostname } from './hostnames';

export const BILLING_CYCLES = ['hourly', 'daily', 'monthly', 'yearly'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

/** Fields accepted and stored on the devices as they are (batch-deployment.md §3). */
const PASSED_THROUGH = [
  'description',
  'userdata',
  'customdata',
  'locked',
  'always_pxe',
  'features',
  'ip_addresses',
  'termination_time',
  'project_id',
] as const;

/** Explicit limits of an item: what one device record may hold. */
export const ITEM_LIMITS = {
  tags: 100,
  descriptionChars: 1_024,
  userdataBytes: 64 * 1024,
  customdataBytes: 64 * 1024,
  otherFieldBytes: 16 * 1024,
} as const;

export interface BatchItem {
  plan: string;
  operatingSystem: string;
  quantity: number;
  hostname?: string;
  hostnames?: string[];
  /** Facility codes and `any`, in priority order (a facility named by its id is given its code). */
  facility: string[];
  /** The metro the item named instead of facilities (then `facility` is `["any"]`). */
  metro?: string;
  /** The facilities `any` may choose among: the metro's, as the catalog had them at the request. */
  within?: string[];
  facilityDiversityLevel?: number;
  billingCycle: BillingCycle;
  tags: string[];
  spotInstance: boolean;
  spotPriceMax?: number;
  attributes: Partial<Record<(typeof PASSED_THROUGH)[number], unknown>>;
}

/** What request-only validation may check against: the catalog as it is now. */
export interface CatalogView {
  /** Metro code → codes of its facilities. */
  metros: ReadonlyMap<string, ReadonlySet<string>>;
  facilities: ReadonlySet<string>;
  plans: ReadonlySet<string>;
  /** Operating system slug → plans it can be provisioned on. */
  operatingSystems: ReadonlyMap<string, ReadonlySet<string>>;
}

export type ItemValidation = { ok: true; item: BatchItem } | { ok: false; problems: string[] };

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The checks of a device's own fields, in a batch item and in a change of the device: what is wrong, or null. */
export const deviceFieldProblems = {
  tags: (tags: unknown) =>
    Array.isArray(tags) &&
    tags.length <= ITEM_LIMITS.tags &&
    tags.every((t) => typeof t === 'string' && t.length >= 1 && t.length <= 64)
      ? null
      : `must be an array of at most ${ITEM_LIMITS.tags} strings of 1 to 64 characters`,
  description: (description: unknown) =>
    typeof description === 'string' && description.length <= ITEM_LIMITS.descriptionChars
      ? null
      : `must be a string of at most ${ITEM_LIMITS.descriptionChars} characters`,
  // The type Metal's DeviceCreateInput gives it: a device shows it back, and clients decode it.
  customdata: (customdata: unknown) =>
    !isObject(customdata)
      ? 'must be an object'
      : Buffer.byteLength(JSON.stringify(customdata)) > ITEM_LIMITS.customdataBytes
        ? `must be at most ${ITEM_LIMITS.customdataBytes / 1024} KiB as JSON`
        : null,
};

/** A name as a 422 quotes it: cut at 64 characters, as it may be as long as the body. */
const quoted = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i;
/** An RFC 3339 date-time as UTC ISO text; one without a time zone is UTC, as Metal reads it. Null if not one. */
function utcDateTime(v: unknown): string | null {
  if (typeof v !== 'string' || !DATE_TIME.test(v)) return null;
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/i.test(v) ? v : `${v}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * Checks one item of a batch request using nothing but the request and the catalog, and lists every problem.
 * `null` counts as absent (real clients send `"tags": null` and `"metro": null`); unknown fields are ignored.
 */
export function validateBatchItem(
  raw: unknown,
  catalog: CatalogView,
  options: { maxQuantity?: number; path?: string } = {},
): ItemValidation {
  const path = options.path ?? 'item';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, problems: [`${path} must be an object`] };
  const body = Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined),
  );
  const problems: string[] = [];
  const problem = (field: string, message: string) => problems.push(`${path}.${field} ${message}`);

  // A plan, an image, a metro or a facility is named by its code or slug, or by its object's id.
  const plan = typeof body.plan === 'string' ? catalogCode('plan', body.plan, catalog.plans) : undefined;
  if (body.plan === undefined) problem('plan', 'is required');
  else if (typeof body.plan !== 'string') problem('plan', 'must be a string');
  else if (!plan) problem('plan', `${quoted(body.plan)} is not a known plan`);

  const os =
    typeof body.operating_system === 'string'
      ? catalogCode('operating-system', body.operating_system, catalog.operatingSystems)
      : undefined;
  if (body.operating_system === undefined) problem('operating_system', 'is required');
  else if (typeof body.operating_system !== 'string') problem('operating_system', 'must be a string');
  else if (!os) problem('operating_system', `${quoted(body.operating_system)} is not a known operating system`);
  else if (plan && !catalog.operatingSystems.get(os)?.has(plan)) {
    problem('operating_system', `${os} cannot be provisioned on plan ${plan}`);
  }

  let hostnames: string[] | undefined;
  if (body.hostnames !== undefined) {
    if (
      !Array.isArray(body.hostnames) ||
      body.hostnames.length === 0 ||
      !body.hostnames.every((h) => typeof h === 'string')
    ) {
      problem('hostnames', 'must be a non-empty array of strings');
    } else hostnames = body.hostnames as string[];
  }
  if (body.hostname !== undefined && typeof body.hostname !== 'string') problem('hostname', 'must be a string');
  if (body.hostname !== undefined && body.hostnames !== undefined)
    problem('hostname', 'and hostnames cannot both be given');

  const maxQuantity = options.maxQuantity ?? 1000;
  let quantity = hostnames?.length ?? 1;
  if (body.quantity !== undefined) {
    if (!isInteger(body.quantity) || body.quantity < 1 || body.quantity > maxQuantity) {
      problem('quantity', `must be an integer from 1 to ${maxQuantity}`);
    } else {
      quantity = body.quantity;
      if (hostnames && hostnames.length !== quantity)
        problem('quantity', `is ${quantity} but ${hostnames.length} hostnames were given`);
    }
  } else if (quantity > maxQuantity) problem('hostnames', `must hold at most ${maxQuantity} names`);

  if (typeof body.hostname === 'string' || hostnames) {
    const names = expandHostnames(
      { hostname: body.hostname as string | undefined, hostnames, quantity, plan: plan ?? '' },
      () => 'x',
    );
    const invalid = [...new Set(names.filter((name) => !isValidHostname(name)))];
    if (invalid.length)
      problem(
        hostnames ? 'hostnames' : 'hostname',
        `must be valid host names (RFC 1123): ${invalid.slice(0, 5).join(', ')}`,
      );
  }

  let facility: string[] = [];
  let metro: { metro?: string; within?: string[] } = {};
  if (body.metro !== undefined && body.facility !== undefined) problem('metro', 'and facility cannot both be given');
  else if (body.metro !== undefined) {
    // A metro is `any` among its facilities, placed by the same rules; metro `any` is facility `any`.
    const given = typeof body.metro === 'string' ? body.metro : undefined;
    const code = given?.toLowerCase() === 'any' ? 'any' : given && catalogCode('metro', given, catalog.metros);
    if (given === undefined) problem('metro', 'must be a metro code or id, or "any"');
    else if (!code) problem('metro', `${quoted(given)} is not a known metro`);
    else {
      facility = ['any'];
      if (code !== 'any') metro = { metro: code, within: [...(catalog.metros.get(code) ?? [])].sort() };
    }
  } else if (body.facility === undefined) problem('facility', 'or metro is required');
  else {
    const list = typeof body.facility === 'string' ? [body.facility] : body.facility;
    if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string')) {
      problem('facility', 'must be a facility code or id, "any", or a non-empty array of them');
    } else {
      const named = list.map((f) =>
        f.toLowerCase() === 'any' ? 'any' : catalogCode('facility', f, catalog.facilities),
      );
      const unknown = new Set(list.filter((_, i) => named[i] === undefined));
      if (unknown.size) {
        // The first few: the list is as long as the body allows.
        const shown = [...unknown].slice(0, 5).map(quoted).join(', ');
        const more = unknown.size > 5 ? ` and ${unknown.size - 5} more` : '';
        problem('facility', `has unknown facilities: ${shown}${more}`);
      } else facility = [...new Set(named as string[])]; // placement drops a repeat anyway: the log need not hold it
    }
  }

  if (
    body.facility_diversity_level !== undefined &&
    (!isInteger(body.facility_diversity_level) || body.facility_diversity_level < 1)
  ) {
    problem('facility_diversity_level', 'must be an integer of at least 1');
  }

  const billingCycle = (body.billing_cycle ?? 'hourly') as BillingCycle;
  if (!BILLING_CYCLES.includes(billingCycle)) problem('billing_cycle', `must be one of ${BILLING_CYCLES.join(', ')}`);

  const tags = body.tags ?? [];
  for (const field of ['tags', 'description', 'customdata'] as const) {
    const wrong = body[field] !== undefined && deviceFieldProblems[field](body[field]);
    if (wrong) problem(field, wrong);
  }
  if (
    body.userdata !== undefined &&
    (typeof body.userdata !== 'string' || Buffer.byteLength(body.userdata) > ITEM_LIMITS.userdataBytes)
  ) {
    problem('userdata', `must be a string of at most ${ITEM_LIMITS.userdataBytes / 1024} KiB`);
  }
  // The types Metal's DeviceCreateInput gives them: a device shows them back, and clients decode them.
  for (const field of ['locked', 'always_pxe'] as const)
    if (body[field] !== undefined && typeof body[field] !== 'boolean') problem(field, 'must be a boolean');
  if (body.termination_time !== undefined && !utcDateTime(body.termination_time))
    problem('termination_time', 'must be a date-time (RFC 3339, e.g. 2026-09-03T16:32:00Z)');
  // Metal's two forms: `["tpm"]` (each required), or `{"tpm": "required", "raid": "preferred"}`.
  const features = body.features;
  const featureList = Array.isArray(features) && features.every((f) => typeof f === 'string');
  const featureMap = isObject(features) && Object.values(features).every((v) => v === 'required' || v === 'preferred');
  if (features !== undefined && !featureList && !featureMap)
    problem('features', 'must be an array of strings, or an object of features each "required" or "preferred"');
  if (body.ip_addresses !== undefined && (!Array.isArray(body.ip_addresses) || !body.ip_addresses.every(isObject)))
    problem('ip_addresses', 'must be an array of objects');
  for (const field of PASSED_THROUGH.filter((f) => !['description', 'userdata', 'customdata'].includes(f))) {
    if (body[field] !== undefined && Buffer.byteLength(JSON.stringify(body[field])) > ITEM_LIMITS.otherFieldBytes)
      problem(field, `must be at most ${ITEM_LIMITS.otherFieldBytes / 1024} KiB as JSON`);
  }

  const spotInstance = body.spot_instance ?? false;
  if (typeof spotInstance !== 'boolean') problem('spot_instance', 'must be a boolean');
  if (body.spot_price_max !== undefined && (typeof body.spot_price_max !== 'number' || !(body.spot_price_max >= 0))) {
    problem('spot_price_max', 'must be a number of at least 0');
  } else if (spotInstance === true && body.spot_price_max === undefined)
    problem('spot_price_max', 'is required when spot_instance is true');

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    item: {
      plan: plan as string,
      operatingSystem: os as string,
      quantity,
      hostname: body.hostname as string | undefined,
      hostnames,
      facility,
      ...metro,
      facilityDiversityLevel: body.facility_diversity_level as number | undefined,
      billingCycle,
      tags: tags as string[],
      spotInstance: spotInstance as boolean,
      spotPriceMax: body.spot_price_max as number | undefined,
      attributes: Object.fromEntries(
        PASSED_THROUGH.filter((key) => body[key] !== undefined).map((key) => [
          key,
          key === 'termination_time' ? utcDateTime(body[key]) : body[key],
        ]),
      ),
    },
  };
}

/**
 * Checks one device as Metal's `createDevice` takes it: an item of one, named by `hostname`. `quantity` (other than
 * 1) and `hostnames` belong to batch requests and are refused, beside every problem the item has.
 */
export function validateDeviceItem(raw: unknown, catalog: CatalogView, path = 'device'): ItemValidation {
  if (!isObject(raw)) return validateBatchItem(raw, catalog, { path });
  const { quantity, hostnames, ...device } = raw as Record<string, unknown>;
  const refused = [
    ...(hostnames != null ? [`${path}.hostnames names the devices of a batch: one device is named by hostname`] : []),
    ...(quantity != null && quantity !== 1 ? [`${path}.quantity must be 1: a batch request deploys more`] : []),
  ];
  const checked = validateBatchItem({ ...device, quantity: 1 }, catalog, { path });
  return refused.length ? { ok: false, problems: [...refused, ...(checked.ok ? [] : checked.problems)] } : checked;
}
