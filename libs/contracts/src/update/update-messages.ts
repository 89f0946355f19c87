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

/**
 * Admin requests, one shape per kind of route: the organization, then the product and the thing within it the
 * route names. Bodies are Peridio's (`{"deployment":{...}}` etc.): the resolver checks them against the domain,
 * which lists every problem at once.
 */
export class OrganizationRequest {
  @IsUUID()
  organizationId!: string;
}

export class ProductRequest extends OrganizationRequest {
  @IsString()
  @MaxLength(200)
  product!: string;
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
  @IsOptional()
  @IsObject()
  body?: Record<string, unknown>;
}

/** Creates a firmware, a deployment or a device in the product, from the body. */
export class CreateInProductRequest extends ProductRequest {
  @IsOptional()
  @IsObject()
  body?: Record<string, unknown>;
}

export class UpdateDeploymentRequest extends DeploymentRequest {
  @IsOptional()
  @IsObject()
  body?: Record<string, unknown>;
}

export class UpdateProductDeviceRequest extends ProductDeviceRequest {
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
