import 'reflect-metadata';
import { Type } from 'class-transformer';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  Allow,
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CapacityLimits, ServiceNames } from '@flotilla/events';
import { AuditRequest, AuditView } from '../platform/audit';
import { NoPayload, replyOf, subject } from '../platform/subject';
import { Href, PageMeta, PageNumber, PerPage } from '../platform/paging';
import { allOf } from '../platform/all-of';
import { Optional } from '../platform/optional';
import { CommandId } from '../platform/command-id';

/** Items one batch request may hold (Metal's `batches` array). */
export const BATCH_ITEMS_PER_CALL = 100;

export class CreateBatchesRequest {
  @IsUUID()
  projectId!: string;

  /** Items as clients send them; each is checked by the batch domain's item validation. */
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(BATCH_ITEMS_PER_CALL, { message: `batches must hold at most ${BATCH_ITEMS_PER_CALL} items per call` })
  batches!: unknown[];

  /** Idempotency (batch-deployment.md §7): the same id and body returns the first batches. */
  @CommandId()
  commandId?: string;
}

/** One device, as Metal's `createDevice` takes it: a batch item without `quantity` or `hostnames`. */
export class CreateDeviceRequest {
  @IsUUID()
  projectId!: string;

  /** Metal's DeviceCreateInput (in a facility or a metro), checked by the batch domain's item validation. */
  @IsObject()
  device!: Record<string, unknown>;

  /** As in CreateBatchesRequest: the same id and body returns the first device. */
  @CommandId()
  commandId?: string;
}

export class BatchRequest {
  @IsUUID()
  batchId!: string;
}

export class DeleteBatchRequest extends BatchRequest {
  @Optional()
  @IsBoolean()
  removeAssociatedInstances?: boolean;
}

export class GetBatchRequest extends BatchRequest {
  @Optional()
  @IsBoolean()
  includeDevices?: boolean;
}

export class ProjectScopedRequest {
  @IsUUID()
  projectId!: string;
}

export class ProjectListRequest extends ProjectScopedRequest {
  @PageNumber()
  page?: number;

  @PerPage()
  perPage?: number;
}

/** A project's batches; with `includeDevices` each embeds its devices (at most 10,000 on one page). */
export class ListBatchesRequest extends ProjectListRequest {
  @Optional()
  @IsBoolean()
  includeDevices?: boolean;
}

/** Instance types a device list may be filtered by, as Metal names them (no hardware reservations here). */
export const DEVICE_TYPES = ['ondemand', 'spot', 'reserved'] as const;

/**
 * A project's devices, filtered as Metal's `findProjectDevices` filters them (every filter given must hold). `search`
 * matches, ignoring case, part of a device's hostname, description, id (so its short_id), tags, or its plan's,
 * facility's or operating system's slug or name.
 */
export class ListDevicesRequest extends ProjectListRequest {
  @Optional()
  @IsString()
  @MaxLength(255)
  search?: string;

  @Optional()
  @IsString()
  @MaxLength(64)
  facility?: string;

  @Optional()
  @IsString()
  @MaxLength(64)
  metro?: string;

  /** Part of the hostname, ignoring case. */
  @Optional()
  @IsString()
  @MaxLength(255)
  hostname?: string;

  @Optional()
  @IsString()
  @MaxLength(64)
  tag?: string;

  @Optional()
  @IsIn(DEVICE_TYPES, { message: `$property must be one of ${DEVICE_TYPES.join(', ')}` })
  type?: (typeof DEVICE_TYPES)[number];

  /** True: only devices on a hardware reservation (none here); false: only those that are not (all). */
  @Optional()
  @IsBoolean()
  reserved?: boolean;

  @Optional()
  @IsBoolean()
  hasTerminationTime?: boolean;
}

export class DeviceRequest {
  @IsUUID()
  deviceId!: string;
}

/** A field of a device's change as a client sends it: the batch domain checks it (`validateDeviceChanges`). */
const Changed = (schema: Record<string, unknown>): PropertyDecorator =>
  allOf(Allow(), JSONSchema(schema) as PropertyDecorator);
const REFUSED = { description: 'cannot be changed: refused (422) when given' };

/**
 * A change of a device, as Metal's `DeviceUpdateInput` (its field names): its lock, hostname, description, tags and
 * customdata, by the rules of a batch item's; the rest of that input is listed so that it is refused, not dropped.
 */
export class UpdateDeviceRequest extends DeviceRequest {
  @Changed({ type: 'boolean' }) locked?: unknown;
  @Changed({ type: 'string', description: 'a host name (RFC 1123)' }) hostname?: unknown;
  @Changed({ type: 'string', maxLength: 1024 }) description?: unknown;
  @Changed({ type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 100 }) tags?: unknown;
  @Changed({ type: 'object', description: 'at most 64 KiB as JSON' }) customdata?: unknown;
  @Changed(REFUSED) always_pxe?: unknown;
  @Changed(REFUSED) billing_cycle?: unknown;
  @Changed(REFUSED) firmware_set_id?: unknown;
  @Changed(REFUSED) ipxe_script_url?: unknown;
  @Changed(REFUSED) network_frozen?: unknown;
  @Changed(REFUSED) spot_instance?: unknown;
  @Changed(REFUSED) userdata?: unknown;
}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SLUG_MESSAGE = '$property must be 1-64 lower-case letters, digits, ".", "_" or "-"';

export class DefineMetroRequest {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  code!: string;

  @IsString()
  @MaxLength(200)
  name!: string;

  @Matches(/^[A-Z]{2}$/, { message: '$property must be two capital letters (ISO 3166)' })
  country!: string;
}

export class DefineFacilityRequest {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  code!: string;

  @IsString()
  @MaxLength(200)
  name!: string;

  /** The code of its metro (defined first). */
  @Optional()
  @Matches(SLUG, { message: SLUG_MESSAGE })
  metro?: string;
}

/** Capacity and spot prices per facility, or (`perMetro`) per metro as Metal's `/…/metros` forms report them. */
export class CatalogReportRequest {
  @Optional()
  @IsBoolean()
  perMetro?: boolean;
}

export class DefinePlanRequest {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  slug!: string;

  @IsString()
  @MaxLength(200)
  name!: string;

  @IsIn(['x86_64', 'aarch64'])
  architecture!: string;
}

export class DefineOperatingSystemRequest {
  @Matches(SLUG, { message: SLUG_MESSAGE })
  slug!: string;

  @IsString()
  @MaxLength(200)
  name!: string;

  @IsArray()
  @IsString({ each: true })
  provisionable_on!: string[];
}

export class SetCapacityRequest {
  @IsString()
  facility!: string;

  @IsString()
  plan!: string;

  @IsInt()
  @Min(0)
  @Max(CapacityLimits.total)
  total!: number;
}

export class SetSpotPriceRequest {
  @IsString()
  facility!: string;

  @IsString()
  plan!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  price!: number;
}

/** What one capacity check may ask. */
export const CapacityCheckLimits = { servers: 100, quantity: 1_000_000 };

const DIGITS = /^[0-9]{1,7}$/;

/** A capacity check's quantity: Metal's `ServerInfo` has it as a string of digits; its older clients send a number. */
export const checkedQuantitySchema = {
  oneOf: [
    { type: 'string' as const, pattern: DIGITS.source },
    { type: 'integer' as const, minimum: 1, maximum: CapacityCheckLimits.quantity },
  ],
};

const isQuantity = (value: unknown): boolean => {
  const n = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= CapacityCheckLimits.quantity;
};

abstract class PlanQuantity {
  @IsString()
  plan!: string;

  @JSONSchema(() => checkedQuantitySchema)
  @ValidateBy({
    name: 'isQuantity',
    validator: {
      validate: isQuantity,
      defaultMessage: () =>
        `quantity must be an integer from 1 to ${CapacityCheckLimits.quantity} (a number or a string of digits)`,
    },
  })
  quantity!: number | string;
}

/** A server request of `POST /capacity`: Metal's `ServerInfo` names a facility (deprecated there) or a metro. */
export class ServerQuantity extends PlanQuantity {
  @ValidateIf((s: ServerQuantity) => s.metro === undefined)
  @IsString({ message: 'facility (or metro) must be a string' })
  facility?: string;

  @ValidateIf((s: ServerQuantity) => s.metro !== undefined)
  @IsString()
  @ValidateBy({
    name: 'notBesideFacility',
    validator: {
      validate: (_metro, args) => (args?.object as ServerQuantity).facility === undefined,
      defaultMessage: () => 'metro and facility cannot both be given',
    },
  })
  metro?: string;
}

export class MetroServerQuantity extends PlanQuantity {
  @IsString()
  metro!: string;
}

/** A capacity check's server requests, each checked as `type`: at least one, at most `CapacityCheckLimits.servers`. */
function ServerRequests(type: () => new () => PlanQuantity): PropertyDecorator {
  return allOf(
    Type(type),
    ValidateNested({ each: true }),
    // ValidateNested takes an array for a nested value (and checks its items): a server request is an object.
    IsObject({ each: true, message: 'each server request must be an object' }),
    ArrayMaxSize(CapacityCheckLimits.servers, {
      message: `servers must hold at most ${CapacityCheckLimits.servers} per check`,
    }),
    ArrayNotEmpty(),
    IsArray(),
  );
}

export class CheckCapacityRequest {
  @ServerRequests(() => ServerQuantity)
  servers!: ServerQuantity[];
}

export class CheckMetroCapacityRequest {
  @ServerRequests(() => MetroServerQuantity)
  servers!: MetroServerQuantity[];
}

/**
 * A project as a batch or device names it: Metal's `Href`, with the project's `id` beside it whether or not
 * `include=project` asks (Terraform's provider reads `project.id` back into its state).
 */
export interface ProjectRef extends Href {
  id: string;
}

/** A batch as the REST API shows it (batch-deployment.md §2). */
export interface BatchView {
  id: string;
  state: string;
  quantity: number;
  error_messages: string[];
  created_at: string;
  updated_at: string;
  devices: (Href | DeviceView)[];
  project: ProjectRef;
  facility_allocations?: { facility: string; quantity: number }[];
  href: string;
}

/** Metal's `Metro`. */
export interface MetroView {
  id: string;
  code: string;
  name: string;
  country: string;
  href: string;
}

/** Metal's `Facility`; facilities from before metros have no `metro`. */
export interface FacilityView {
  id: string;
  code: string;
  name: string;
  features: string[];
  metro?: MetroView;
  href: string;
}

/** Metal's `Plan`; `architecture` is ours (the update-resolver matches firmware on it). */
export interface PlanView {
  id: string;
  slug: string;
  name: string;
  class: string;
  line: string;
  type: 'standard';
  deployment_types: ('on_demand' | 'spot_market')[];
  architecture: string;
  href: string;
}

/** Metal's `OperatingSystem`. */
export interface OperatingSystemView {
  id: string;
  slug: string;
  name: string;
  distro: string;
  version: string;
  provisionable_on: string[];
  preinstallable: boolean;
  licensed: boolean;
  href: string;
}

/**
 * Metal's `Device`, as its SDKs decode it; `batch`, `quarantined`, `spot_price` and `provisioning_error` are ours.
 * Fields the request set (description, userdata, customdata, locked, always_pxe, termination_time) show back.
 */
export interface DeviceView {
  id: string;
  short_id: string;
  hostname: string;
  description?: string;
  state: string;
  plan: PlanView;
  facility: FacilityView;
  operating_system: OperatingSystemView;
  metro?: MetroView;
  billing_cycle: string;
  tags: string[];
  spot_instance: boolean;
  spot_price_max?: number;
  spot_price?: number;
  termination_time?: string;
  locked: boolean;
  always_pxe: boolean;
  userdata?: string;
  customdata: Record<string, unknown>;
  provisioning_error?: string;
  batch: Href;
  project: ProjectRef;
  project_lite: ProjectRef;
  quarantined: boolean;
  created_at: string;
  updated_at: string;
  href: string;
}

/** Metal's `DeviceList`. */
export interface DeviceListView {
  devices: DeviceView[];
  meta: PageMeta;
}

/** Metal's `BatchesList`, with the `meta` of every other list. */
export interface BatchListView {
  batches: BatchView[];
  meta: PageMeta;
}

export type CapacityLevel = 'unavailable' | 'limited' | 'normal';

const orchestrator = ServiceNames.batchOrchestrator;

/** Batches and devices (batch-deployment.md), served by the batch-orchestrator. */
export const BatchSubjects = {
  createBatches: subject(
    'batch.cmd.create',
    orchestrator,
    CreateBatchesRequest,
    replyOf<{ batches: BatchView[] }>('the batches, one per item, `queued`'),
    `Requests batches in a project (Metal items, at most ${BATCH_ITEMS_PER_CALL}). The same commandId and body within 24 h ` +
      'returns the first batches; the same commandId with another body answers idempotency_mismatch.',
  ),
  createDevice: subject(
    'batch.cmd.create-device',
    orchestrator,
    CreateDeviceRequest,
    replyOf<DeviceView>("Metal's Device, once placed"),
    'Requests one device as a batch of one and answers once it is placed: a device that cannot be placed answers ' +
      "validation_failed with its batch's error_messages; one not placed within the wait answers unavailable, its " +
      'request standing with a commandId (the retry answers the device) and withdrawn without one.',
  ),
  deleteBatch: subject(
    'batch.cmd.delete-batch',
    orchestrator,
    DeleteBatchRequest,
    replyOf<null>('nothing'),
    'Deletes a batch, and with removeAssociatedInstances its devices (their servers are given back).',
  ),
  updateDevice: subject(
    'batch.cmd.update-device',
    orchestrator,
    UpdateDeviceRequest,
    replyOf<DeviceView>("Metal's Device, as it stands after the change"),
    "Changes a device's lock against deletion, hostname, description, tags or customdata.",
  ),
  deleteDevice: subject(
    'batch.cmd.delete-device',
    orchestrator,
    DeviceRequest,
    replyOf<null>('nothing'),
    'Deletes a device and gives its server back to the facility; a locked device is refused.',
  ),
  listBatches: subject(
    'batch.query.list-batches',
    orchestrator,
    ListBatchesRequest,
    replyOf<BatchListView>("Metal's BatchesList, with meta; with includeDevices each batch's devices embedded"),
    "A project's batch history, newest first, a page at a time.",
  ),
  getBatch: subject(
    'batch.query.get-batch',
    orchestrator,
    GetBatchRequest,
    replyOf<BatchView>("Metal's Batch; with includeDevices its devices embedded"),
    'A batch with its state and error_messages.',
  ),
  listDevices: subject(
    'batch.query.list-devices',
    orchestrator,
    ListDevicesRequest,
    replyOf<DeviceListView>("Metal's DeviceList, with meta"),
    "A project's devices, newest first, a page at a time, filtered as Metal filters them.",
  ),
  getDevice: subject(
    'batch.query.get-device',
    orchestrator,
    DeviceRequest,
    replyOf<DeviceView>("Metal's Device"),
    'A device.',
  ),
  audit: subject(
    'batch.query.audit',
    orchestrator,
    AuditRequest,
    replyOf<AuditView>('its events, oldest first, a page at a time'),
    "The history of an organization, the catalog, a plan's capacity, a batch or a device from the log; another " +
      "organization's answers not_found.",
  ),
};

type Catalog<K extends string, V> = { [key in K]: V[] };

/** Metros, facilities, plans, operating systems, capacity and spot prices, served by the batch-orchestrator. */
export const CatalogSubjects = {
  defineMetro: subject(
    'catalog.cmd.define-metro',
    orchestrator,
    DefineMetroRequest,
    replyOf<{ created: boolean }>('whether it was new'),
    'Root principals only. Defines a metro, or renames one.',
  ),
  defineFacility: subject(
    'catalog.cmd.define-facility',
    orchestrator,
    DefineFacilityRequest,
    replyOf<{ created: boolean }>('whether it was new'),
    'Root principals only. Defines a facility in a metro, or renames one.',
  ),
  definePlan: subject(
    'catalog.cmd.define-plan',
    orchestrator,
    DefinePlanRequest,
    replyOf<{ created: boolean }>('whether it was new'),
    'Root principals only. Defines a plan and its architecture.',
  ),
  defineOperatingSystem: subject(
    'catalog.cmd.define-operating-system',
    orchestrator,
    DefineOperatingSystemRequest,
    replyOf<{ created: boolean }>('whether it was new'),
    'Root principals only. Defines an operating system and the plans it installs on.',
  ),
  setCapacity: subject(
    'catalog.cmd.set-capacity',
    orchestrator,
    SetCapacityRequest,
    replyOf<{ facility: string; plan: string; total: number }>('the capacity as set'),
    'Root principals only. Sets the servers of a plan in a facility; never below those in use.',
  ),
  setSpotPrice: subject(
    'catalog.cmd.set-spot-price',
    orchestrator,
    SetSpotPriceRequest,
    replyOf<{ created: boolean }>('whether the price is new'),
    'Root principals only. Sets the spot price of a plan in a facility.',
  ),
  listMetros: subject(
    'catalog.query.list-metros',
    orchestrator,
    NoPayload,
    replyOf<Catalog<'metros', MetroView>>("Metal's MetroList"),
    'Every metro.',
  ),
  listFacilities: subject(
    'catalog.query.list-facilities',
    orchestrator,
    NoPayload,
    replyOf<Catalog<'facilities', FacilityView>>("Metal's FacilityList"),
    'Every facility.',
  ),
  listPlans: subject(
    'catalog.query.list-plans',
    orchestrator,
    NoPayload,
    replyOf<Catalog<'plans', PlanView>>("Metal's PlanList"),
    'Every plan.',
  ),
  listOperatingSystems: subject(
    'catalog.query.list-operating-systems',
    orchestrator,
    NoPayload,
    replyOf<Catalog<'operating_systems', OperatingSystemView>>("Metal's OperatingSystemList"),
    'Every operating system.',
  ),
  getCapacity: subject(
    'catalog.query.get-capacity',
    orchestrator,
    CatalogReportRequest,
    replyOf<{ capacity: Record<string, Record<string, { level: CapacityLevel; available: number }>> }>(
      "Metal's CapacityList: a level and the servers available per facility (or metro) and plan",
    ),
    'Capacity levels per facility, or with perMetro per metro.',
  ),
  checkCapacity: subject(
    'catalog.query.check-capacity',
    orchestrator,
    CheckCapacityRequest,
    replyOf<{ servers: (ServerQuantity & { available: boolean })[] }>('each server request with `available`'),
    'Whether each quantity of a plan could be placed in its facility now.',
  ),
  checkMetroCapacity: subject(
    'catalog.query.check-metro-capacity',
    orchestrator,
    CheckMetroCapacityRequest,
    replyOf<{ servers: (MetroServerQuantity & { available: boolean })[] }>('each server request with `available`'),
    "Whether each quantity of a plan is available in its metro's facilities together now.",
  ),
  getSpotPrices: subject(
    'catalog.query.get-spot-prices',
    orchestrator,
    CatalogReportRequest,
    replyOf<{ spot_market_prices: Record<string, Record<string, { price: number }>> }>(
      "Metal's SpotMarketPricesList: a price per facility (or metro) and plan",
    ),
    'Spot prices per facility, or with perMetro per metro.',
  ),
};
