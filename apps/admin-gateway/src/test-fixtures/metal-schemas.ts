import Ajv, { AnySchema } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The parts of Equinix Metal's published schemas (`equinix-labs/metal-go`, `spec/oas3.fetched/components/schemas`)
 * that Metal's SDKs decode from a batch or device response, with the types those schemas give each field. Extra
 * fields are allowed, as in Metal's schemas; a `null` where Metal declares a type is not (its SDKs fail on it).
 */
const href = { type: 'object', required: ['href'], properties: { href: { type: 'string' } } };
const uuid = { type: 'string', format: 'uuid' };
const dateTime = { type: 'string', format: 'date-time' };
const strings = { type: 'array', items: { type: 'string' } };

const schemas: Record<string, AnySchema> = {
  Href: href,
  Meta: {
    type: 'object',
    properties: {
      first: href,
      last: href,
      next: href,
      previous: href,
      self: href,
      total: { type: 'integer' },
      current_page: { type: 'integer' },
      last_page: { type: 'integer' },
    },
  },
  Facility: {
    type: 'object',
    properties: {
      id: uuid,
      code: { type: 'string' },
      name: { type: 'string' },
      features: {
        type: 'array',
        items: { enum: ['baremetal', 'backend_transfer', 'layer_2', 'global_ipv4', 'ibx'] },
      },
      ip_ranges: strings,
      metro: { $ref: 'Metro' },
    },
  },
  Metro: {
    type: 'object',
    properties: { id: uuid, code: { type: 'string' }, name: { type: 'string' }, country: { type: 'string' } },
  },
  Plan: {
    type: 'object',
    properties: {
      id: uuid,
      slug: { type: 'string' },
      name: { type: 'string' },
      class: { type: 'string' },
      line: { type: 'string' },
      description: { type: 'string' },
      legacy: { type: 'boolean' },
      categories: strings,
      deployment_types: { type: 'array', items: { enum: ['on_demand', 'spot_market'] }, uniqueItems: true },
      type: { enum: ['standard', 'workload_optimized', 'custom'] },
      pricing: { type: 'object' },
      specs: { type: 'object' },
      available_in: { type: 'array', items: { type: 'object' } },
      available_in_metros: { type: 'array', items: { type: 'object' } },
    },
  },
  OperatingSystem: {
    type: 'object',
    properties: {
      id: uuid,
      slug: { type: 'string' },
      name: { type: 'string' },
      distro: { type: 'string' },
      distro_label: { type: 'string' },
      version: { type: 'string' },
      licensed: { type: 'boolean' },
      preinstallable: { type: 'boolean' },
      pricing: { type: 'object' },
      provisionable_on: strings,
      default_operating_system: { type: 'boolean' },
    },
  },
  Device: {
    type: 'object',
    properties: {
      id: uuid,
      short_id: { type: 'string' },
      href: { type: 'string' },
      hostname: { type: 'string' },
      description: { type: 'string' },
      state: {
        enum: [
          'queued',
          'provisioning',
          'deprovisioning',
          'reinstalling',
          'active',
          'inactive',
          'failed',
          'powering_on',
          'powering_off',
          'deleted',
        ],
      },
      billing_cycle: { type: 'string' },
      always_pxe: { type: 'boolean' },
      locked: { type: 'boolean' },
      created_at: dateTime,
      updated_at: dateTime,
      termination_time: dateTime,
      customdata: { type: 'object' },
      userdata: { type: 'string' },
      facility: { $ref: 'Facility' },
      metro: { $ref: 'Metro' },
      plan: { $ref: 'Plan' },
      operating_system: { $ref: 'OperatingSystem' },
      project: href,
      project_lite: href,
      hardware_reservation: href,
      spot_instance: { type: 'boolean' },
      spot_price_max: { type: 'number' },
      tags: strings,
      ip_addresses: { type: 'array', items: { type: 'object' } },
      ssh_keys: { type: 'array', items: href },
      volumes: { type: 'array', items: href },
      network_ports: { type: 'array', items: { type: 'object' } },
      provisioning_events: { type: 'array', items: { type: 'object' } },
      provisioning_percentage: { type: 'number' },
    },
  },
  DeviceList: {
    type: 'object',
    properties: { devices: { type: 'array', items: { $ref: 'Device' } }, meta: { $ref: 'Meta' } },
  },
  /** A batch's `devices` are `Href`s in Metal's schema; a full Device is one too (it has `href`). */
  Batch: {
    type: 'object',
    properties: {
      id: uuid,
      state: { type: 'string' },
      quantity: { type: 'integer' },
      error_messages: strings,
      created_at: dateTime,
      updated_at: dateTime,
      devices: { type: 'array', items: href },
      project: href,
    },
  },
  BatchesList: { type: 'object', properties: { batches: { type: 'array', items: { $ref: 'Batch' } } } },
  FacilityList: { type: 'object', properties: { facilities: { type: 'array', items: { $ref: 'Facility' } } } },
  PlanList: { type: 'object', properties: { plans: { type: 'array', items: { $ref: 'Plan' } } } },
  MetroList: { type: 'object', properties: { metros: { type: 'array', items: { $ref: 'Metro' } } } },
  /** `CapacityList`: place → plan → `CapacityLevelPerBaremetal`. */
  CapacityList: {
    type: 'object',
    properties: {
      capacity: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { level: { type: 'string' } } },
        },
      },
    },
  },
  /** `SpotMarketPricesList` and its per-metro form: place → plan → `SpotPricesPerBaremetal`. */
  SpotMarketPricesList: {
    type: 'object',
    properties: {
      spot_market_prices: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { price: { type: 'number' } } },
        },
      },
    },
  },
  OperatingSystemList: {
    type: 'object',
    properties: { operating_systems: { type: 'array', items: { $ref: 'OperatingSystem' } } },
  },
};

export type MetalSchema = keyof typeof schemas;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);

/** Every way `value` would fail to decode as Metal's `schema` (empty when it decodes). */
export function metalProblems(schema: MetalSchema, value: unknown): string[] {
  const validate = ajv.getSchema(schema);
  if (!validate) throw new Error(`no schema ${schema}`);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** The Metal schema of each batch, device and catalog route's answer. */
const ROUTES: [method: string, path: RegExp, schema: MetalSchema][] = [
  ['POST', /^\/projects\/[^/]+\/devices\/batch$/, 'BatchesList'],
  ['GET', /^\/projects\/[^/]+\/batches(\?.*)?$/, 'BatchesList'],
  ['GET', /^\/batches\/[^/?]+(\?.*)?$/, 'Batch'],
  ['GET', /^\/projects\/[^/]+\/devices(\?.*)?$/, 'DeviceList'],
  ['POST', /^\/projects\/[^/]+\/devices$/, 'Device'],
  ['GET', /^\/devices\/[^/?]+$/, 'Device'],
  ['PUT', /^\/devices\/[^/?]+$/, 'Device'],
  ['GET', /^\/facilities$/, 'FacilityList'],
  ['GET', /^\/facilities\/[^/]+$/, 'Facility'],
  ['GET', /^\/plans$/, 'PlanList'],
  ['GET', /^\/plans\/[^/]+$/, 'Plan'],
  ['GET', /^\/operating-systems$/, 'OperatingSystemList'],
  ['GET', /^\/locations\/metros$/, 'MetroList'],
  ['GET', /^\/locations\/metros\/[^/]+$/, 'Metro'],
  ['GET', /^\/capacity(\/metros)?$/, 'CapacityList'],
  ['GET', /^\/market\/spot\/prices(\/metros)?$/, 'SpotMarketPricesList'],
  ['GET', /^\/operating-systems\/[^/]+$/, 'OperatingSystem'],
];

/**
 * How a successful answer of a batch, device or catalog route would fail to decode in Metal's SDKs; devices a
 * batch embeds (`include=devices`) are checked as Devices too. Empty for every other route.
 */
export function metalAnswerProblems(method: string, path: string, body: unknown): string[] {
  const route = ROUTES.find(([m, pattern]) => m === method && pattern.test(path));
  if (!route) return [];
  const problems = metalProblems(route[2], body);
  const embedded = route[2] === 'Batch' ? ((body as { devices?: { hostname?: unknown }[] }).devices ?? []) : [];
  embedded.forEach((device, i) => {
    if (device.hostname !== undefined)
      problems.push(...metalProblems('Device', device).map((p) => `/devices/${i}${p}`));
  });
  return problems;
}
