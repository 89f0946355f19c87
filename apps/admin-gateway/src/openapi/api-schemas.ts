import { apiKeyToken, AuditTypes, CapacityCheckLimits, checkedQuantitySchema, UpdateLimits } from '@flotilla/contracts';

/**
 * The schemas of the admin API's bodies and answers (OpenAPI 3.1, so JSON Schema 2020-12), each with an example.
 * The e2e suite reads every answer it gets against them, so they say what the API does.
 */
type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const uuid = { type: 'string', format: 'uuid' };
const dateTime = { type: 'string', format: 'date-time' };
const text = { type: 'string' };
const strings = { type: 'array', items: text };
const nullable = (schema: Schema) => ({ anyOf: [schema, { type: 'null' }] });
const object = (properties: Record<string, unknown>, required: string[] = [], example?: unknown): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  ...(example === undefined ? {} : { example }),
});
/**
 * A capacity check's server requests: in a facility or a metro (`POST /capacity`, as Metal's `ServerInfo`), or in a
 * metro (`POST /capacity/metros`); answered each as it came (its quantity in the form it was sent) with `available`.
 */
const serverRequests = (metroOnly: boolean, answer: boolean, example: Record<string, unknown>) => {
  const properties = {
    ...(metroOnly ? {} : { facility: { ...text, description: 'a facility code or id' } }),
    metro: { ...text, description: 'a metro code or id' },
    plan: { ...text, description: 'a plan slug or id' },
    quantity: checkedQuantitySchema,
    ...(answer ? { available: { type: 'boolean' } } : {}),
  };
  const required = [...(metroOnly ? ['metro'] : []), 'plan', 'quantity', ...(answer ? ['available'] : [])];
  const item = {
    ...object(properties, required),
    ...(metroOnly ? {} : { oneOf: [{ required: ['facility'] }, { required: ['metro'] }] }),
  };
  const servers = {
    type: 'array',
    items: item,
    ...(answer ? {} : { minItems: 1, maxItems: CapacityCheckLimits.servers }),
  };
  return object({ servers }, ['servers'], { servers: [{ ...example, plan: 'c3.medium.x86', quantity: '5' }] });
};
const listOf = (key: string, item: string, example: unknown) =>
  object({ [key]: { type: 'array', items: ref(item) } }, [key], example);
/** A paged list: the page's items and Metal's `meta`. */
const pageOf = (key: string, item: string, items: unknown[]) =>
  object({ [key]: { type: 'array', items: ref(item) }, meta: ref('Meta') }, [key, 'meta'], { [key]: items, meta });

const ORG = '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00';
const PROJECT = '1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9';
const BATCH = '7c1f5b0e-2d3a-4e5f-9a8b-0c1d2e3f4a5b';
const DEVICE = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const FIRMWARE = '0a0a0a0a-0000-4000-8000-000000000002';
const at = '2026-11-20T10:00:00.000Z';
const organization = { id: ORG, name: 'Acme', created_at: at, href: `/organizations/${ORG}` };
const project = {
  id: PROJECT,
  name: 'web',
  organization: { href: `/organizations/${ORG}` },
  created_at: at,
  href: `/projects/${PROJECT}`,
};
const product = { name: 'gateway-x', organization_id: ORG, inserted_at: at };
const apiKey = { id: '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f9a0', description: 'CI', created_at: at, revoked_at: null };

const metro = {
  id: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
  code: 'sv',
  name: 'Silicon Valley',
  country: 'US',
  href: '/locations/metros/3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
};
const facility = {
  id: '4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1b',
  code: 'sjc1',
  name: 'San Jose',
  features: ['baremetal'],
  metro,
  href: '/facilities/4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1b',
};
const plan = {
  id: '5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c',
  slug: 'c3.medium.x86',
  name: 'c3.medium.x86',
  class: 'c3.medium.x86',
  line: 'baremetal',
  type: 'standard',
  deployment_types: ['on_demand', 'spot_market'],
  architecture: 'x86_64',
  href: '/plans/5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c',
};
const operatingSystem = {
  id: '6a5f4e3d-2c1b-4a0f-9e8d-7c6b5a4f3e2d',
  slug: 'ubuntu_22_04',
  name: 'Ubuntu 22.04 LTS',
  distro: 'ubuntu',
  version: '22.04',
  provisionable_on: ['c3.medium.x86'],
  preinstallable: false,
  licensed: false,
  href: '/operating-systems/6a5f4e3d-2c1b-4a0f-9e8d-7c6b5a4f3e2d',
};
const device = {
  id: DEVICE,
  short_id: '9d8c7b6a',
  hostname: 'web1.example.com',
  state: 'active',
  plan,
  facility,
  operating_system: operatingSystem,
  metro,
  billing_cycle: 'hourly',
  tags: ['web'],
  spot_instance: false,
  locked: false,
  always_pxe: false,
  customdata: {},
  batch: { href: `/batches/${BATCH}` },
  project: { id: PROJECT, href: `/projects/${PROJECT}` },
  project_lite: { id: PROJECT, href: `/projects/${PROJECT}` },
  quarantined: false,
  created_at: at,
  updated_at: at,
  href: `/devices/${DEVICE}`,
};
const meta = {
  first: { href: `/projects/${PROJECT}/devices?page=1` },
  self: { href: `/projects/${PROJECT}/devices?page=1` },
  last: { href: `/projects/${PROJECT}/devices?page=1` },
  total: 1,
  current_page: 1,
  last_page: 1,
};
const batch = {
  id: BATCH,
  state: 'completed',
  quantity: 1,
  error_messages: [],
  created_at: at,
  updated_at: at,
  devices: [{ href: `/devices/${DEVICE}` }],
  project: { id: PROJECT, href: `/projects/${PROJECT}` },
  facility_allocations: [{ facility: 'sjc1', quantity: 1 }],
  href: `/batches/${BATCH}`,
};
const deployment = {
  id: '5b1f0c3e9a7d4e2f8c6b1a0d9e8f7c6b',
  name: 'sjc1-rollout',
  product: 'gateway-x',
  firmware: FIRMWARE,
  conditions: { tags: ['facility:sjc1'], version: '~> 1.0' },
  is_active: true,
  state: 'on',
  quarantined: false,
  quarantine_reason: null,
  failure_rate: 5,
  failure_rate_seconds: 60,
  failure_threshold: 50,
  device_failure_rate: 5,
  device_failure_rate_seconds: 3600,
  device_failure_threshold: 3,
  inserted_at: at,
  updated_at: at,
};
const updateDevice = {
  identifier: 'dev-1',
  organization_id: ORG,
  product: 'gateway-x',
  tags: ['facility:sjc1'],
  quarantined: false,
  firmware_metadata: null,
  attempts: 0,
  inserted_at: at,
  updated_at: at,
};
const firmware = {
  uuid: FIRMWARE,
  product: 'gateway-x',
  version: '1.1.0',
  architecture: 'arm',
  platform: 'rpi4',
  artifact_url: 'https://firmware.example.com/1.1.0.img',
  author: null,
  description: null,
  vcs_identifier: null,
  misc: null,
  inserted_at: at,
};

/** A deployment's failure rules (firmware-deployments.md §5), as it shows them, and as it takes them. */
const ruleNames = [
  'failure_rate',
  'failure_rate_seconds',
  'failure_threshold',
  'device_failure_rate',
  'device_failure_rate_seconds',
  'device_failure_threshold',
];
const failureRules = Object.fromEntries(ruleNames.map((rule) => [rule, { type: 'integer' }]));
const failureRulesInput = Object.fromEntries(
  ruleNames.map((rule) => [rule, { type: 'integer', minimum: 1, maximum: UpdateLimits.ruleValue }]),
);
/** Tags as the update API takes them. */
const tagList = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: UpdateLimits.tagLength },
  maxItems: UpdateLimits.tags,
};

/** Metal's DeviceCreateInput: what one device is asked with, alone or as a batch item. */
const deviceInput = {
  plan: { type: 'string', description: 'a plan slug or id' },
  operating_system: { type: 'string', description: 'an operating system slug or id' },
  facility: { oneOf: [text, strings], description: 'a facility code or id, "any", or a prioritized list' },
  metro: { type: 'string', description: 'a metro code or id, or "any", instead of facility' },
  hostname: text,
  billing_cycle: { enum: ['hourly', 'daily', 'monthly', 'yearly'] },
  tags: strings,
  spot_instance: { type: 'boolean' },
  spot_price_max: { type: 'number' },
  description: text,
  userdata: text,
  customdata: { type: 'object' },
  locked: { type: 'boolean' },
  always_pxe: { type: 'boolean' },
  termination_time: dateTime,
  features: {
    oneOf: [strings, { type: 'object', additionalProperties: { enum: ['required', 'preferred'] } }],
    description: 'recorded, not placed by: `["tpm"]`, or `{"tpm": "required", "raid": "preferred"}`',
  },
  ip_addresses: { type: 'array', items: { type: 'object' }, description: 'recorded as given' },
};

export const ApiSchemas: Record<string, Schema> = {
  Error: object({ errors: { ...strings, minItems: 1 } }, ['errors'], {
    errors: ['name must be shorter than or equal to 200 characters'],
  }),
  Href: object({ href: text }, ['href'], { href: `/projects/${PROJECT}` }),
  ProjectRef: object({ id: uuid, href: text }, ['id', 'href'], { id: PROJECT, href: `/projects/${PROJECT}` }),
  Meta: object(
    {
      first: ref('Href'),
      previous: ref('Href'),
      self: ref('Href'),
      next: ref('Href'),
      last: ref('Href'),
      total: { type: 'integer' },
      current_page: { type: 'integer' },
      last_page: { type: 'integer' },
    },
    ['first', 'self', 'last', 'total', 'current_page', 'last_page'],
    meta,
  ),

  NameInput: object({ name: { type: 'string', minLength: 1, maxLength: 200 } }, ['name'], { name: 'Acme' }),
  ApiKeyInput: object({ description: { type: 'string', maxLength: 200 } }, [], { description: 'CI' }),
  Organization: object(
    { id: uuid, name: text, created_at: dateTime, href: text },
    ['id', 'name', 'created_at', 'href'],
    organization,
  ),
  OrganizationList: pageOf('organizations', 'Organization', [organization]),
  Project: object(
    { id: uuid, name: text, organization: ref('Href'), created_at: dateTime, href: text },
    ['id', 'name', 'organization', 'created_at', 'href'],
    project,
  ),
  ProjectList: pageOf('projects', 'Project', [project]),
  IssuedApiKey: object(
    {
      id: uuid,
      token: {
        type: 'string',
        description: 'shown once: `flt_`, the organization id (32 hex digits), `_`, then the secret',
      },
      description: nullable(text),
      created_at: dateTime,
    },
    ['id', 'token', 'created_at'],
    { id: apiKey.id, token: apiKeyToken(ORG, '…'), description: 'CI', created_at: at },
  ),
  ApiKey: object(
    {
      id: uuid,
      description: nullable(text),
      created_at: dateTime,
      revoked_at: { ...nullable(dateTime), description: 'when it was revoked; it authenticates no one since' },
    },
    ['id', 'description', 'created_at', 'revoked_at'],
    apiKey,
  ),
  ApiKeyList: pageOf('api_keys', 'ApiKey', [apiKey]),

  DeviceCreateInput: object(deviceInput, ['plan', 'operating_system'], {
    plan: 'c3.medium.x86',
    operating_system: 'ubuntu_22_04',
    metro: 'sv',
    hostname: 'db-1.example.com',
  }),
  BatchItem: object(
    {
      ...deviceInput,
      facility_diversity_level: { type: 'integer', minimum: 1 },
      quantity: { type: 'integer', minimum: 1 },
      hostname: { type: 'string', description: '{{index}} numbers a series' },
      hostnames: strings,
    },
    ['plan', 'operating_system'],
    {
      plan: 'c3.medium.x86',
      operating_system: 'ubuntu_22_04',
      facility: ['sjc1', 'any'],
      quantity: 2,
      hostname: 'web{{index}}.example.com',
    },
  ),
  BatchRequest: object(
    { batches: { type: 'array', items: ref('BatchItem'), minItems: 1, maxItems: 100 } },
    ['batches'],
    { batches: [{ plan: 'c3.medium.x86', operating_system: 'ubuntu_22_04', facility: 'any', quantity: 2 }] },
  ),
  Batch: object(
    {
      id: uuid,
      state: { enum: ['queued', 'in_progress', 'completed', 'failed', 'deleted'] },
      quantity: { type: 'integer' },
      error_messages: strings,
      created_at: dateTime,
      updated_at: dateTime,
      devices: { type: 'array', items: { anyOf: [ref('Device'), ref('Href')] } },
      project: ref('ProjectRef'),
      facility_allocations: { type: 'array', items: object({ facility: text, quantity: { type: 'integer' } }) },
      href: text,
    },
    ['id', 'state', 'quantity', 'error_messages', 'created_at', 'updated_at', 'devices', 'project', 'href'],
    batch,
  ),
  DeviceUpdateInput: object(
    {
      locked: { type: 'boolean', description: 'whether the device is locked against deletion' },
      hostname: { type: 'string', description: 'a host name (RFC 1123)' },
      description: { type: 'string', maxLength: 1024 },
      tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 100 },
      customdata: { type: 'object', description: 'replaces the whole of it; at most 64 KiB as JSON' },
    },
    [],
    { hostname: 'db-1', tags: ['db', 'primary'], locked: true },
  ),
  BatchList: object({ batches: { type: 'array', items: ref('Batch') } }, ['batches'], { batches: [batch] }),
  BatchesList: object({ batches: { type: 'array', items: ref('Batch') }, meta: ref('Meta') }, ['batches', 'meta'], {
    batches: [batch],
    meta,
  }),
  Device: object(
    {
      id: uuid,
      short_id: text,
      hostname: text,
      description: text,
      state: text,
      plan: ref('Plan'),
      facility: ref('Facility'),
      operating_system: ref('OperatingSystem'),
      metro: ref('Metro'),
      billing_cycle: text,
      tags: strings,
      spot_instance: { type: 'boolean' },
      spot_price_max: { type: 'number' },
      spot_price: { type: 'number' },
      termination_time: dateTime,
      locked: { type: 'boolean' },
      always_pxe: { type: 'boolean' },
      userdata: text,
      customdata: { type: 'object' },
      provisioning_error: text,
      batch: ref('Href'),
      project: ref('ProjectRef'),
      project_lite: ref('ProjectRef'),
      quarantined: { type: 'boolean' },
      created_at: dateTime,
      updated_at: dateTime,
      href: text,
    },
    [
      'id',
      'short_id',
      'hostname',
      'state',
      'plan',
      'facility',
      'operating_system',
      'billing_cycle',
      'tags',
      'spot_instance',
      'locked',
      'batch',
      'project',
      'quarantined',
      'created_at',
      'updated_at',
      'href',
    ],
    device,
  ),
  DeviceList: object({ devices: { type: 'array', items: ref('Device') }, meta: ref('Meta') }, ['devices', 'meta'], {
    devices: [device],
    meta,
  }),

  Metro: object(
    { id: uuid, code: text, name: text, country: text, href: text },
    ['id', 'code', 'name', 'country', 'href'],
    metro,
  ),
  Facility: object(
    { id: uuid, code: text, name: text, features: strings, metro: ref('Metro'), href: text },
    ['id', 'code', 'name', 'href'],
    facility,
  ),
  Plan: object(
    {
      id: uuid,
      slug: text,
      name: text,
      class: text,
      line: text,
      type: text,
      deployment_types: strings,
      architecture: { enum: ['x86_64', 'aarch64'] },
      href: text,
    },
    ['id', 'slug', 'name', 'architecture', 'href'],
    plan,
  ),
  OperatingSystem: object(
    {
      id: uuid,
      slug: text,
      name: text,
      distro: text,
      version: text,
      provisionable_on: strings,
      preinstallable: { type: 'boolean' },
      licensed: { type: 'boolean' },
      href: text,
    },
    ['id', 'slug', 'name', 'provisionable_on', 'href'],
    operatingSystem,
  ),
  MetroList: listOf('metros', 'Metro', { metros: [metro] }),
  FacilityList: listOf('facilities', 'Facility', { facilities: [facility] }),
  PlanList: listOf('plans', 'Plan', { plans: [plan] }),
  OperatingSystemList: listOf('operating_systems', 'OperatingSystem', { operating_systems: [operatingSystem] }),
  MetroInput: object({ name: text, country: { type: 'string', pattern: '^[A-Z]{2}$' } }, ['name', 'country'], {
    name: 'Silicon Valley',
    country: 'US',
  }),
  MetroDefinition: object({ code: text, name: text, country: text }, ['code', 'name', 'country'], {
    code: 'sv',
    name: 'Silicon Valley',
    country: 'US',
  }),
  FacilityDefinition: object({ code: text, name: text, metro: text }, ['code', 'name'], {
    code: 'sjc1',
    name: 'San Jose',
    metro: 'sv',
  }),
  PlanDefinition: object(
    { slug: text, name: text, architecture: { enum: ['x86_64', 'aarch64'] } },
    ['slug', 'name', 'architecture'],
    { slug: 'c3.medium.x86', name: 'c3.medium.x86', architecture: 'x86_64' },
  ),
  OperatingSystemDefinition: object(
    { slug: text, name: text, provisionable_on: strings },
    ['slug', 'name', 'provisionable_on'],
    { slug: 'ubuntu_22_04', name: 'Ubuntu 22.04 LTS', provisionable_on: ['c3.medium.x86'] },
  ),
  CapacityReport: object(
    {
      capacity: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: object(
            { level: { enum: ['unavailable', 'limited', 'normal'] }, available: { type: 'integer' } },
            ['level'],
          ),
        },
      },
    },
    ['capacity'],
    { capacity: { sjc1: { 'c3.medium.x86': { level: 'normal', available: 40 } } } },
  ),
  CapacityCheck: serverRequests(false, false, { facility: 'sjc1' }),
  CapacityAnswer: serverRequests(false, true, { facility: 'sjc1', available: true }),
  MetroCapacityCheck: serverRequests(true, false, { metro: 'sv' }),
  MetroCapacityAnswer: serverRequests(true, true, { metro: 'sv', available: true }),
  CapacityTotal: object({ total: { type: 'integer', minimum: 0 } }, ['total'], { total: 40 }),
  CapacitySet: object({ facility: text, plan: text, total: { type: 'integer' } }, ['facility', 'plan', 'total'], {
    facility: 'sjc1',
    plan: 'c3.medium.x86',
    total: 40,
  }),
  SpotPrice: object({ price: { type: 'number', minimum: 0 } }, ['price'], { price: 0.35 }),
  SpotPriceSet: object({ facility: text, plan: text, price: { type: 'number' } }, ['facility', 'plan', 'price'], {
    facility: 'sjc1',
    plan: 'c3.medium.x86',
    price: 0.35,
  }),
  SpotPrices: object(
    {
      spot_market_prices: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: object({ price: { type: 'number' } }, ['price']),
        },
      },
    },
    ['spot_market_prices'],
    { spot_market_prices: { sjc1: { 'c3.medium.x86': { price: 0.35 } } } },
  ),

  ProductInput: object({ product: object({ name: text }, ['name']) }, ['product'], { product: { name: 'gateway-x' } }),
  Product: object(
    { name: text, organization_id: uuid, inserted_at: dateTime },
    ['name', 'organization_id', 'inserted_at'],
    product,
  ),
  ProductAnswer: object({ product: ref('Product') }, ['product'], { product }),
  ProductList: pageOf('products', 'Product', [product]),
  FirmwareInput: object(
    {
      firmware: object(
        {
          uuid,
          version: text,
          architecture: text,
          platform: text,
          artifact_url: text,
          author: text,
          description: text,
          vcs_identifier: text,
          misc: text,
        },
        ['uuid', 'version', 'architecture', 'platform', 'artifact_url'],
      ),
    },
    ['firmware'],
    {
      firmware: {
        uuid: FIRMWARE,
        version: '1.1.0',
        architecture: 'arm',
        platform: 'rpi4',
        artifact_url: 'https://firmware.example.com/1.1.0.img',
      },
    },
  ),
  Firmware: object(
    {
      uuid,
      product: text,
      version: text,
      architecture: text,
      platform: text,
      artifact_url: text,
      author: nullable(text),
      description: nullable(text),
      vcs_identifier: nullable(text),
      misc: nullable(text),
      inserted_at: dateTime,
    },
    ['uuid', 'product', 'version', 'architecture', 'platform', 'artifact_url', 'inserted_at'],
    firmware,
  ),
  FirmwareAnswer: object({ firmware: ref('Firmware') }, ['firmware'], { firmware }),
  FirmwareList: pageOf('firmwares', 'Firmware', [firmware]),
  DeploymentInput: object(
    {
      deployment: object({
        name: text,
        firmware: uuid,
        conditions: object({
          tags: { ...tagList, minItems: 1 },
          version: {
            type: 'string',
            maxLength: UpdateLimits.requirementLength,
            description: "an Elixir version requirement, such as '~> 1.0'",
          },
        }),
        is_active: { type: 'boolean' },
        ...failureRulesInput,
      }),
    },
    ['deployment'],
    {
      deployment: {
        name: 'sjc1-rollout',
        firmware: FIRMWARE,
        conditions: { tags: ['facility:sjc1'], version: '~> 1.0' },
        is_active: false,
      },
    },
  ),
  Deployment: object(
    {
      id: { type: 'string', description: "the deployment's key" },
      name: text,
      product: text,
      firmware: uuid,
      conditions: object({ tags: strings, version: nullable(text) }),
      is_active: { type: 'boolean' },
      state: { enum: ['on', 'off'] },
      quarantined: { type: 'boolean' },
      quarantine_reason: nullable(text),
      ...failureRules,
      inserted_at: dateTime,
      updated_at: dateTime,
    },
    ['id', 'name', 'product', 'firmware', 'conditions', 'is_active', 'quarantined'],
    deployment,
  ),
  DeploymentAnswer: object({ deployment: ref('Deployment') }, ['deployment'], { deployment }),
  DeploymentList: pageOf('deployments', 'Deployment', [deployment]),
  DeploymentHealth: object(
    {
      health: object(
        {
          deployment: text,
          quarantined: { type: 'boolean' },
          quarantine_reason: nullable(text),
          attempts_total: { type: 'integer' },
          devices_attempting: { type: 'integer' },
          devices_quarantined: { type: 'integer' },
          rules: { type: 'object' },
        },
        ['deployment', 'quarantined', 'rules'],
      ),
    },
    ['health'],
    {
      health: {
        deployment: 'sjc1-rollout',
        quarantined: false,
        quarantine_reason: null,
        attempts_total: 12,
        devices_attempting: 3,
        devices_quarantined: 0,
        rules: {
          failure_rate: { limit: 5, window_seconds: 60, value: 0, broken: false },
          failure_threshold: { limit: 50, value: 0, broken: false },
        },
      },
    },
  ),
  UpdateDeviceInput: object({ device: object({ identifier: text, tags: tagList }) }, ['device'], {
    device: { identifier: 'dev-1', tags: ['facility:sjc1'] },
  }),
  UpdateDevice: object(
    {
      identifier: text,
      organization_id: uuid,
      product: text,
      tags: strings,
      quarantined: { type: 'boolean' },
      firmware_metadata: nullable({ type: 'object' }),
      attempts: { type: 'integer', description: 'update checks that offered an update' },
      inserted_at: dateTime,
      updated_at: dateTime,
    },
    ['identifier', 'organization_id', 'product', 'tags', 'quarantined'],
    updateDevice,
  ),
  UpdateDeviceAnswer: object({ device: ref('UpdateDevice') }, ['device'], { device: updateDevice }),
  UpdateDeviceWithCredential: object({ device: ref('UpdateDevice'), credential: text }, ['device', 'credential'], {
    device: updateDevice,
    credential: 'dev_…',
  }),
  UpdateDeviceList: pageOf('devices', 'UpdateDevice', [updateDevice]),
  UpdateExplanation: object(
    {
      explanation: object(
        {
          chosen: nullable(text),
          reason: text,
          deployments: {
            type: 'array',
            items: object({
              deployment_id: text,
              name: text,
              eligible: { type: 'boolean' },
              checks: { type: 'array', items: object({ condition: text, held: { type: 'boolean' }, detail: text }) },
            }),
          },
        },
        ['chosen', 'reason', 'deployments'],
      ),
    },
    ['explanation'],
    {
      explanation: {
        chosen: deployment.id,
        reason: 'the only eligible deployment',
        deployments: [
          {
            deployment_id: deployment.id,
            name: 'sjc1-rollout',
            eligible: true,
            checks: [{ condition: 'version', held: true, detail: "1.0.0 matches '~> 1.0'" }],
          },
        ],
      },
    },
  ),
  UpdateAnswer: object(
    {
      data: object(
        {
          update_available: { type: 'boolean' },
          firmware_url: nullable(text),
          firmware_meta: nullable({ type: 'object' }),
          deployment_id: { type: 'null' },
        },
        ['update_available', 'firmware_url', 'firmware_meta', 'deployment_id'],
      ),
    },
    ['data'],
    {
      data: {
        update_available: true,
        firmware_url: 'https://firmware.example.com/1.1.0.img?expires=1767225600&signature=…',
        firmware_meta: { uuid: FIRMWARE, version: '1.1.0', architecture: 'arm', platform: 'rpi4' },
        deployment_id: null,
      },
    },
  ),

  Audit: object(
    {
      type: { enum: [...AuditTypes.batch, ...AuditTypes.update] },
      id: text,
      events: {
        type: 'array',
        items: object(
          {
            seq: { type: 'integer' },
            time: dateTime,
            type: text,
            version: { type: 'integer' },
            actor: text,
            correlation_id: text,
            causation_id: nullable(text),
            command_id: nullable(text),
            data: {},
          },
          ['seq', 'time', 'type', 'version', 'actor', 'correlation_id', 'causation_id', 'data'],
        ),
      },
      meta: ref('Meta'),
    },
    ['type', 'id', 'events', 'meta'],
    {
      type: 'organization',
      id: ORG,
      events: [
        {
          seq: 1,
          time: at,
          type: 'OrganizationCreated',
          version: 1,
          actor: 'root',
          correlation_id: 'c0ffee00-0000-4000-8000-000000000001',
          causation_id: null,
          command_id: null,
          data: { organizationId: ORG, name: 'Acme' },
        },
      ],
      meta: {
        first: { href: `/audit/organization/${ORG}?page=1&per_page=100` },
        self: { href: `/audit/organization/${ORG}?page=1&per_page=100` },
        last: { href: `/audit/organization/${ORG}?page=1&per_page=100` },
        total: 1,
        current_page: 1,
        last_page: 1,
      },
    },
  ),
};
