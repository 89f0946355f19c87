import 'reflect-metadata';
import { IsBoolean, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/** NATS subjects of the update-resolver (queue group per service). */
export const UpdateSubjects = {
  resolve: 'fleet.update.cmd.resolve',
  createProduct: 'fleet.update.cmd.create-product',
  createFirmware: 'fleet.update.cmd.create-firmware',
  createDeployment: 'fleet.update.cmd.create-deployment',
  updateDeployment: 'fleet.update.cmd.update-deployment',
  deleteDeployment: 'fleet.update.cmd.delete-deployment',
  quarantineDeployment: 'fleet.update.cmd.quarantine-deployment',
  unquarantineDeployment: 'fleet.update.cmd.unquarantine-deployment',
  registerDevice: 'fleet.update.cmd.register-device',
  updateDevice: 'fleet.update.cmd.update-device',
  quarantineDevice: 'fleet.update.cmd.quarantine-device',
  unquarantineDevice: 'fleet.update.cmd.unquarantine-device',
  rotateCredential: 'fleet.update.cmd.rotate-credential',
  fetchCredential: 'fleet.update.cmd.fetch-credential',
  listProducts: 'fleet.update.query.list-products',
  getProduct: 'fleet.update.query.get-product',
  listFirmwares: 'fleet.update.query.list-firmwares',
  getFirmware: 'fleet.update.query.get-firmware',
  listDeployments: 'fleet.update.query.list-deployments',
  getDeployment: 'fleet.update.query.get-deployment',
  deploymentHealth: 'fleet.update.query.deployment-health',
  listDevices: 'fleet.update.query.list-devices',
  getDevice: 'fleet.update.query.get-device',
  explainUpdate: 'fleet.update.query.explain-update',
} as const;

/** A device's check (firmware-deployments.md §2), as the gateway forwards it. */
export class ResolveRequest {
  /** Hex SHA-256 of the device's bearer credential: the credential itself never crosses the bus. */
  @IsString()
  @MaxLength(64)
  credentialHash!: string;

  /** The five `x-peridio-*` headers, without the prefix: uuid, product, version, architecture, platform. */
  @IsObject()
  headers!: Record<string, string | undefined>;

  @IsOptional()
  @IsBoolean()
  preflight?: boolean;
}

/** Every admin command and query: the organization, the product and the thing within it the route names. */
export class FleetAdminRequest {
  @IsUUID()
  organizationId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  product?: string;

  /** A deployment's name. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  /** A device's identifier. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  identifier?: string;

  /** A firmware's uuid. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  uuid?: string;

  /** The Peridio-style body (`{"deployment":{...}}` etc.). */
  @IsOptional()
  @IsObject()
  body?: Record<string, unknown>;
}

export interface UpdateAnswer {
  update_available: boolean;
  firmware_url: string | null;
  firmware_meta: Record<string, unknown> | null;
  deployment_id: null;
}
