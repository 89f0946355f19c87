import { Injectable } from '@nestjs/common';
import { ExecuteOptions } from '@flotilla/event-store';
import { failureRateExceeded, failureThresholdExceeded } from '@flotilla/update-domain';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

/**
 * The deployment-level failure rules (firmware-deployments.md §5), evaluated on the view after an attempt or a device
 * quarantine. Quarantining an already quarantined deployment changes nothing, so instances racing here write once.
 */
@Injectable()
export class DeploymentGuard {
  constructor(
    private readonly view: FleetView,
    private readonly repositories: FleetRepositories,
  ) {}

  async afterAttempt(deploymentId: string, options: ExecuteOptions): Promise<void> {
    const d = this.view.deployments.get(deploymentId);
    if (!d || d.quarantined) return;
    if (failureRateExceeded(d.attempts, d.rules, Date.now())) await this.quarantine(deploymentId, 'failure_rate', options);
  }

  async afterDeviceQuarantined(organizationId: string, product: string, options: ExecuteOptions): Promise<void> {
    const quarantined = this.view.quarantinedFirmware(organizationId, product);
    for (const d of this.view.deploymentsOf(organizationId, product)) {
      const facts = this.view.facts(d);
      if (!facts || d.quarantined) continue;
      if (failureThresholdExceeded(quarantined, facts.firmware, d.rules)) await this.quarantine(d.deploymentId, 'failure_threshold', options);
    }
  }

  private async quarantine(deploymentId: string, reason: string, options: ExecuteOptions): Promise<void> {
    const result = await this.repositories.deployments.execute(deploymentId, { type: 'QuarantineDeployment', reason }, options);
    await this.view.waitFor(result.version);
  }
}
