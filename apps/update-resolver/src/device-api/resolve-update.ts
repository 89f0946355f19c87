import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ErrorCodes, FirmwareMetadata, ResolveRequest, UpdateAnswer } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { HealthRegistry, replyErrorOf, RequestMeta } from '@flotilla/nest-platform';
import { Counter } from 'prom-client';
import { checkDecision, DeviceCommand, OfferedDeployment, previewCheck } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { DeviceEntry } from '../fleet/device-table';
import { FleetView } from '../fleet/fleet-view';
import { signFirmwareUrl } from './signed-url';

const HEADERS = ['uuid', 'product', 'version', 'architecture', 'platform'] as const;
const NO_UPDATE: UpdateAnswer = {
  update_available: false,
  firmware_url: null,
  firmware_meta: null,
  deployment_id: null,
};

export class ResolveUpdateCommand {
  constructor(
    readonly request: ResolveRequest,
    readonly meta: RequestMeta,
  ) {}
}

/**
 * A device's check (firmware-deployments.md §2–§5). Read from memory; it writes only when the device's firmware
 * changed, when it is offered an update (an attempt), or when it is past its own failure rules (quarantine). Those
 * writes go through the device's aggregate, so however many checks race, each decision is made once; the
 * deployment rules then follow from the log (deployment-rules-workflow.host.ts). A preflight check answers what a
 * real one would, its device's failure rules included, and writes nothing.
 */
@CommandHandler(ResolveUpdateCommand)
export class ResolveUpdateHandler implements ICommandHandler<ResolveUpdateCommand, UpdateAnswer> {
  private readonly logger = new Logger('resolve');
  private readonly checks: Counter<'outcome' | 'preflight'>;

  constructor(
    private readonly view: FleetView,
    private readonly repositories: FleetRepositories,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
    health: HealthRegistry,
  ) {
    this.checks = new Counter({
      name: 'flotilla_device_checks_total',
      help: 'Device checks by outcome: offered (an update), up_to_date, or the error code it was refused with',
      labelNames: ['outcome', 'preflight'],
      registers: [health.metrics],
    });
  }

  async execute(command: ResolveUpdateCommand): Promise<UpdateAnswer> {
    const preflight = String(command.request.preflight === true);
    try {
      const answer = await this.check(command);
      this.checks.inc({ outcome: answer.update_available ? 'offered' : 'up_to_date', preflight });
      return answer;
    } catch (err) {
      this.checks.inc({ outcome: replyErrorOf(err).code, preflight });
      throw err;
    }
  }

  private async check({ request, meta }: ResolveUpdateCommand): Promise<UpdateAnswer> {
    const device = this.view.deviceByCredential(request.credentialHash);
    if (!device || device.retired) throw new DomainError(ErrorCodes.unauthorized, 'unknown device or bad credential');
    const headers = request.headers ?? {};
    if (typeof headers.uuid !== 'string' || headers.uuid.length === 0)
      throw DomainError.invalid(['x-peridio-uuid header is required']);

    // Decided on the firmware the device reports, whether or not it is recorded yet.
    const reported = this.reportedFirmware(headers);
    const changed = reported !== null && reported.uuid !== device.firmware?.uuid;
    const chosen = this.view.chooseFor(changed ? { ...device, firmware: reported } : device);
    const deployment = chosen && this.view.deployments.get(chosen.deploymentId);
    const firmware = chosen && this.view.firmwares.get(chosen.firmware.uuid);
    if (!deployment || !firmware) {
      if (changed && !request.preflight)
        await this.record(device, { type: 'ReportFirmware', firmware: reported }, meta);
      return NO_UPDATE;
    }
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
    const offered: OfferedDeployment = {
      deploymentId: deployment.deploymentId,
      firmwareUuid: firmware.uuid,
      rules: deployment.rules,
      cutoff: deployment.cutoff,
    };

    if (request.preflight) {
      const state = await this.repositories.loadDevice(device.organizationId, device.identifier);
      const answer = previewCheck(state, reported, offered, new Date());
      return answer === 'offered'
        ? { update_available: true, firmware_url: null, firmware_meta: firmwareMeta, deployment_id: null }
        : NO_UPDATE;
    }

    // The report goes with it even when this view has the device on that firmware already: the log may not, if
    // another instance recorded a change this view has not applied yet.
    const decided = checkDecision(
      await this.record(device, { type: 'CheckForUpdate', deployment: offered, reported }, meta),
    );
    if (!decided) return NO_UPDATE;
    if (decided.type === 'DeviceQuarantined') {
      this.logger.warn({
        msg: 'device quarantined',
        identifier: device.identifier,
        reason: (decided.data as { reason: string }).reason,
      });
      return NO_UPDATE;
    }
    const expiresAt = new Date(Date.now() + this.config.urlTtlSeconds * 1000);
    return {
      update_available: true,
      firmware_url: signFirmwareUrl(firmware.artifactUrl, this.config.urlSigningKey, expiresAt),
      firmware_meta: firmwareMeta,
      deployment_id: null,
    };
  }

  /**
   * A check's command on its device, decided on what the view holds of it when the view knows its attempts (no read of
   * the log first; the append proves it current). A commit that changed the device's firmware is waited for by this
   * instance's view, so its next checks and the device's update explanation see it; the rest of what a check writes
   * (an attempt, a quarantine) is not: the rules workflow waits for it itself, and later checks are decided by the
   * aggregate.
   */
  private async record(device: DeviceEntry, command: DeviceCommand, meta: RequestMeta) {
    const metadata = { actor: `device:${device.identifier}`, correlationId: meta.correlationId };
    const { version, events } = await this.repositories.executeCheck(
      device.organizationId,
      device.identifier,
      command,
      { metadata, exists: true }, // the view holds the device
      () => this.view.checkingStateOf(device.organizationId, device.identifier),
    );
    if (events[0]?.type === 'DeviceFirmwareChanged') await this.view.waitFor(version);
    return events;
  }

  /** All five headers: they are the current firmware; else the firmware named by uuid; else nothing new. */
  private reportedFirmware(headers: Record<string, string | undefined>): FirmwareMetadata | null {
    if (HEADERS.every((h) => typeof headers[h] === 'string' && headers[h] !== '')) {
      const [uuid, product, version, architecture, platform] = HEADERS.map((h) => headers[h] as string);
      return { uuid: uuid.toLowerCase(), product, version, architecture, platform };
    }
    const known = this.view.firmwares.get(String(headers.uuid).toLowerCase());
    return known
      ? {
          uuid: known.uuid,
          product: known.product,
          version: known.version,
          architecture: known.architecture,
          platform: known.platform,
        }
      : null;
  }
}
