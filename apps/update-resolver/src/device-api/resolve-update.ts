import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ErrorCodes, FirmwareMetadata, ResolveRequest, UpdateAnswer } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { chooseDeployment } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { DeploymentGuard } from '../fleet/deployment-guard';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { FleetView } from '../fleet/fleet-view';
import { signFirmwareUrl } from './signed-url';

const HEADERS = ['uuid', 'product', 'version', 'architecture', 'platform'] as const;
const NO_UPDATE: UpdateAnswer = { update_available: false, firmware_url: null, firmware_meta: null, deployment_id: null };

export class ResolveUpdateCommand {
  constructor(readonly request: ResolveRequest, readonly meta: RequestMeta) {}
}

/**
 * A device's check (firmware-deployments.md §2–§5). Read from memory; it writes only when the device's firmware
 * changed, when it is offered an update (an attempt), or when it is past its failure rules (quarantine). Those
 * writes go through the device's aggregate, so however many checks race, each decision is made once.
 */
@CommandHandler(ResolveUpdateCommand)
export class ResolveUpdateHandler implements ICommandHandler<ResolveUpdateCommand, UpdateAnswer> {
  private readonly logger = new Logger('resolve');

  constructor(
    private readonly view: FleetView,
    private readonly repositories: FleetRepositories,
    private readonly guard: DeploymentGuard,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {}

  async execute({ request, meta }: ResolveUpdateCommand): Promise<UpdateAnswer> {
    const device = this.view.deviceByCredential(request.credentialHash);
    if (!device || device.retired) throw new DomainError(ErrorCodes.unauthorized, 'unknown device or bad credential');
    const headers = request.headers ?? {};
    if (typeof headers.uuid !== 'string' || headers.uuid.length === 0) throw DomainError.invalid(['x-peridio-uuid header is required']);
    const options = { metadata: { actor: `device:${device.deviceId}`, correlationId: meta.correlationId ?? '' } };

    const reported = this.reportedFirmware(headers);
    if (reported && reported.uuid !== device.firmware?.uuid) {
      const changed = await this.repositories.executeOnDevice(device.organizationId, device.deviceId, { type: 'ReportFirmware', firmware: reported }, options);
      await this.view.waitFor(changed.version);
    }

    const chosen = chooseDeployment(device, this.view.factsOf(device.organizationId, device.product));
    if (!chosen) return NO_UPDATE;
    const firmware = this.view.firmwares.get(chosen.firmware.uuid);
    if (!firmware) return NO_UPDATE;
    const firmwareMeta = {
      uuid: firmware.uuid,
      product: firmware.product,
      version: firmware.version,
      architecture: firmware.architecture,
      platform: firmware.platform,
      author: firmware.author,
      description: firmware.description,
      vcs_identifier: firmware.vcsIdentifier,
      misc: firmware.misc,
    };
    if (request.preflight) return { update_available: true, firmware_url: null, firmware_meta: firmwareMeta, deployment_id: null };

    const deployment = this.view.deployments.get(chosen.deploymentId);
    if (!deployment) return NO_UPDATE;
    const result = await this.repositories.executeOnDevice(
      device.organizationId,
      device.deviceId,
      {
        type: 'CheckForUpdate',
        deployment: { deploymentId: deployment.deploymentId, firmwareUuid: firmware.uuid, rules: deployment.rules, unquarantinedAt: deployment.unquarantinedAt },
      },
      options,
    );
    const decided = result.events[0];
    if (!decided) return NO_UPDATE;
    await this.view.waitFor(result.version);
    if (decided.type === 'DeviceQuarantined') {
      this.logger.warn({ msg: 'device quarantined', deviceId: device.deviceId, reason: (decided.data as { reason: string }).reason });
      await this.guard.afterDeviceQuarantined(device.organizationId, device.product, options);
      return NO_UPDATE;
    }
    await this.guard.afterAttempt(deployment.deploymentId, options);
    const expiresAt = new Date(Date.now() + this.config.urlTtlSeconds * 1000);
    return { update_available: true, firmware_url: signFirmwareUrl(firmware.artifactUrl, this.config.urlSigningKey, expiresAt), firmware_meta: firmwareMeta, deployment_id: null };
  }

  /** All five headers: they are the current firmware; else the firmware named by uuid; else nothing new. */
  private reportedFirmware(headers: Record<string, string | undefined>): FirmwareMetadata | null {
    if (HEADERS.every((h) => typeof headers[h] === 'string' && headers[h] !== '')) {
      const [uuid, product, version, architecture, platform] = HEADERS.map((h) => headers[h] as string);
      return { uuid: uuid.toLowerCase(), product, version, architecture, platform };
    }
    const known = this.view.firmwares.get(String(headers.uuid).toLowerCase());
    return known ? { uuid: known.uuid, product: known.product, version: known.version, architecture: known.architecture, platform: known.platform } : null;
  }
}
