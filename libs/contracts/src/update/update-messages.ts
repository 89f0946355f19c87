import 'reflect-metadata';
import { hash } from 'node:crypto';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsObject,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Reply, ServiceNames } from '@flotilla/events';
import { AuditRequest, AuditView } from '../platform/audit';
import { replyOf, subject } from '../platform/subject';
import { PageMeta, PageNumber, PerPage } from '../platform/paging';
import { OrganizationListRequest, OrganizationRequest } from '../platform/organization-requests';
import { Optional } from '../platform/optional';
import { CommandId } from '../platform/command-id';

/**
 * What a device's credential is kept and sent as (`credentialHash`): hex SHA-256. The resolver hashes the credentials
 * it hands out, the gateway the one a device presents; both must agree.
 */
export const hashCredential = (credential: string) => hash('sha256', credential, 'hex');

/** A device's check (firmware-deployments.md §2), as the gateway forwards it. */
export class ResolveRequest {
  /** Hex SHA-256 of the device's bearer credential: the credential itself never crosses the bus. */
  @IsString()
  @MaxLength(64)
  credentialHash!: string;

  /** The five `x-peridio-*` headers, without the prefix: uuid, product, version, architecture, platform. */
  @IsObject()
  headers!: Record<string, string | undefined>;

  @Optional()
  @IsBoolean()
  preflight?: boolean;
}

/** One device check of several sent together, with the correlation of the device API request it answers. */
export class ResolveCheck extends ResolveRequest {
  @Optional()
  @IsString()
  @MaxLength(200)
  correlationId?: string;
}

/** The most checks one `resolveMany` request carries: a busy gateway's turn, its reply well within the bus's 1 MB. */
export const RESOLVE_MANY_MAX_CHECKS = 256;

/**
 * How a caller parts its checks into `resolveMany` requests: at most `items` to one, and at most a quarter of the
 * bus's default 1 MB message by `size` (a check's header values, which an HTTP server takes up to 16 KB of, and the
 * rest), so a part never nears the limit.
 */
export const resolveManyParts = {
  items: RESOLVE_MANY_MAX_CHECKS,
  bytes: 256 * 1024,
  size: (check: ResolveCheck) =>
    200 + Object.values(check.headers).reduce((sum, value) => sum + (value?.length ?? 0), 0),
};

/**
 * The device checks that reached the gateway in one turn of its event loop, sent as one request: the signature, the
 * headers and the bus's per-message cost are paid once for all of them rather than once per check.
 */
export class ResolveManyRequest {
  @Type(() => ResolveCheck)
  @ValidateNested({ each: true })
  // ValidateNested takes an array for a nested value (and checks its items): a check is an object.
  @IsObject({ each: true, message: 'each check must be an object' })
  @ArrayMaxSize(RESOLVE_MANY_MAX_CHECKS, { message: `checks must hold at most ${RESOLVE_MANY_MAX_CHECKS}` })
  @ArrayNotEmpty()
  @IsArray()
  checks!: ResolveCheck[];
}

/**
 * One reply message of those a `resolveMany` request gets: the checks answered since the last message, each by its
 * position in the request and with its own reply envelope (one check refused fails no other). Checks that only read
 * are answered at once, ahead of those that wait on an append; the request is answered when every check has been.
 */
export interface ResolveManyPart {
  answers: { check: number; reply: Reply<UpdateAnswer> }[];
}

/** Hands each answer of a part to `answer` by its check's position; true once `answer` says every check has one. */
export function takeAnswers(
  { answers }: ResolveManyPart,
  answer: (check: number, reply: Reply<UpdateAnswer>) => boolean,
): boolean {
  return answers.map(({ check, reply }) => answer(check, reply)).includes(true);
}

/**
 * Admin requests, one shape per kind of route: the organization, then the product and the thing within it the
 * route names. Bodies are Peridio's (`{"deployment":{...}}` etc.): the resolver checks them against the domain,
 * which lists every problem at once.
 */
export class ProductRequest extends OrganizationRequest {
  @IsString()
  @MaxLength(200)
  product!: string;
}

/** A page of a product's firmwares, deployments or devices. */
export class ProductListRequest extends ProductRequest {
  @PageNumber()
  page?: number;

  @PerPage()
  perPage?: number;
}

export class FirmwareRequest extends ProductRequest {
  @IsString()
  @MaxLength(64)
  uuid!: string;
}

export class DeploymentRequest extends ProductRequest {
  /** The deployment's name. */
  @IsString()
  @MaxLength(255)
  name!: string;
}

/** A device of a product, by the identifier the resolver knows it by (free text, not a batch device's uuid). */
export class ProductDeviceRequest extends ProductRequest {
  @IsString()
  @MaxLength(255)
  identifier!: string;
}

export class CreateProductRequest extends OrganizationRequest {
  @Optional()
  @IsObject()
  body?: Record<string, unknown>;

  @CommandId()
  commandId?: string;
}

/** Creates a firmware, a deployment or a device in the product, from the body. */
export class CreateInProductRequest extends ProductRequest {
  @Optional()
  @IsObject()
  body?: Record<string, unknown>;

  @CommandId()
  commandId?: string;
}

export class UpdateDeploymentRequest extends DeploymentRequest {
  @Optional()
  @IsObject()
  body?: Record<string, unknown>;
}

export class UpdateProductDeviceRequest extends ProductDeviceRequest {
  @Optional()
  @IsObject()
  body?: Record<string, unknown>;
}

export interface UpdateAnswer {
  update_available: boolean;
  firmware_url: string | null;
  firmware_meta: Record<string, unknown> | null;
  deployment_id: null;
}

const resolver = ServiceNames.updateResolver;

/** A Peridio resource as the admin API shows it. */
type Peridio = Record<string, unknown>;

/** The device check and the firmware admin API (firmware-deployments.md), served by the update-resolver. */
export const UpdateSubjects = {
  resolve: subject(
    'update.cmd.resolve',
    resolver,
    ResolveRequest,
    replyOf<UpdateAnswer>('the answer the device API returns'),
    'A device check (the gateway forwards the device API); with preflight, answers without recording the check.',
  ),
  resolveMany: subject(
    'update.cmd.resolve-many',
    resolver,
    ResolveManyRequest,
    replyOf<ResolveManyPart>(
      'the checks answered since the last message, each `{check, reply}` by its position: one or more such messages in all (a request refused as a whole gets one error envelope)',
    ),
    `Up to ${RESOLVE_MANY_MAX_CHECKS} device checks in one request (the gateway sends a turn's checks so), each answered as \`resolve\` answers it, in parts as they are decided.`,
  ),
  createProduct: subject(
    'update.cmd.create-product',
    resolver,
    CreateProductRequest,
    replyOf<{ product: Peridio }>('the product'),
    'Creates a product from a Peridio body `{"product":{...}}`.',
  ),
  createFirmware: subject(
    'update.cmd.create-firmware',
    resolver,
    CreateInProductRequest,
    replyOf<{ firmware: Peridio }>('the firmware'),
    'Creates a firmware of the product from `{"firmware":{...}}`.',
  ),
  createDeployment: subject(
    'update.cmd.create-deployment',
    resolver,
    CreateInProductRequest,
    replyOf<{ deployment: Peridio }>('the deployment'),
    'Creates a deployment from `{"deployment":{...}}`; a bad version requirement answers validation_failed.',
  ),
  updateDeployment: subject(
    'update.cmd.update-deployment',
    resolver,
    UpdateDeploymentRequest,
    replyOf<{ deployment: Peridio }>('the deployment'),
    'Changes a deployment (firmware, conditions, rules, active).',
  ),
  deleteDeployment: subject(
    'update.cmd.delete-deployment',
    resolver,
    DeploymentRequest,
    replyOf<null>('nothing'),
    'Deletes a deployment.',
  ),
  quarantineDeployment: subject(
    'update.cmd.quarantine-deployment',
    resolver,
    DeploymentRequest,
    replyOf<{ deployment: Peridio }>('the deployment'),
    'Quarantines a deployment by hand.',
  ),
  unquarantineDeployment: subject(
    'update.cmd.unquarantine-deployment',
    resolver,
    DeploymentRequest,
    replyOf<{ deployment: Peridio }>('the deployment'),
    "Lifts a deployment's quarantine; its failure counts start again.",
  ),
  registerDevice: subject(
    'update.cmd.register-device',
    resolver,
    CreateInProductRequest,
    replyOf<{ device: Peridio; credential: string }>('the device and its credential, shown this once'),
    'Registers a device from `{"device":{...}}`.',
  ),
  updateDevice: subject(
    'update.cmd.update-device',
    resolver,
    UpdateProductDeviceRequest,
    replyOf<{ device: Peridio }>('the device'),
    "Changes a device's tags.",
  ),
  quarantineDevice: subject(
    'update.cmd.quarantine-device',
    resolver,
    ProductDeviceRequest,
    replyOf<{ device: Peridio }>('the device'),
    'Quarantines a device by hand.',
  ),
  unquarantineDevice: subject(
    'update.cmd.unquarantine-device',
    resolver,
    ProductDeviceRequest,
    replyOf<{ device: Peridio }>('the device'),
    "Lifts a device's quarantine.",
  ),
  rotateCredential: subject(
    'update.cmd.rotate-credential',
    resolver,
    ProductDeviceRequest,
    replyOf<{ device: Peridio; credential: string }>('the device and its new credential'),
    'Issues the device a new credential; the old one stops working.',
  ),
  fetchCredential: subject(
    'update.cmd.fetch-credential',
    resolver,
    ProductDeviceRequest,
    replyOf<{ device: Peridio; credential: string }>('the device and its credential'),
    "Shows the device's credential (recorded as fetched).",
  ),
  listProducts: subject(
    'update.query.list-products',
    resolver,
    OrganizationListRequest,
    replyOf<{ products: Peridio[]; meta: PageMeta }>('a page of the products'),
    "The organization's products.",
  ),
  getProduct: subject(
    'update.query.get-product',
    resolver,
    ProductRequest,
    replyOf<{ product: Peridio }>('the product'),
    'A product.',
  ),
  listFirmwares: subject(
    'update.query.list-firmwares',
    resolver,
    ProductListRequest,
    replyOf<{ firmwares: Peridio[]; meta: PageMeta }>('a page of the firmwares'),
    "A product's firmwares.",
  ),
  getFirmware: subject(
    'update.query.get-firmware',
    resolver,
    FirmwareRequest,
    replyOf<{ firmware: Peridio }>('the firmware'),
    'A firmware by its uuid.',
  ),
  listDeployments: subject(
    'update.query.list-deployments',
    resolver,
    ProductListRequest,
    replyOf<{ deployments: Peridio[]; meta: PageMeta }>('a page of the deployments'),
    "A product's deployments.",
  ),
  getDeployment: subject(
    'update.query.get-deployment',
    resolver,
    DeploymentRequest,
    replyOf<{ deployment: Peridio }>('the deployment'),
    'A deployment by name.',
  ),
  deploymentHealth: subject(
    'update.query.deployment-health',
    resolver,
    DeploymentRequest,
    replyOf<{ health: Peridio }>('attempts and failures in the window against the rules'),
    "A deployment's failure counts as its rules see them.",
  ),
  listDevices: subject(
    'update.query.list-devices',
    resolver,
    ProductListRequest,
    replyOf<{ devices: Peridio[]; meta: PageMeta }>('a page of the devices'),
    "A product's devices.",
  ),
  getDevice: subject(
    'update.query.get-device',
    resolver,
    ProductDeviceRequest,
    replyOf<{ device: Peridio }>('the device'),
    'A device by its identifier.',
  ),
  explainUpdate: subject(
    'update.query.explain-update',
    resolver,
    ProductDeviceRequest,
    replyOf<{ explanation: Peridio }>('each deployment with why it does or does not apply'),
    'Why a device would (not) be offered each deployment.',
  ),
  audit: subject(
    'update.query.audit',
    resolver,
    AuditRequest,
    replyOf<AuditView>('its events, oldest first, a page at a time'),
    "The history of a product, firmware, deployment or update device from the log; another organization's answers " +
      'not_found.',
  ),
};
