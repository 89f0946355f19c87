import { Firmware } from '@flotilla/contracts';
import { DeploymentEntry, DeviceEntry } from '../fleet/fleet-view';

/** Peridio's legacy shapes (snake_case), as the admin API returns them. */
export const productView = (p: { organizationId: string; name: string; createdAt: string }) => ({ name: p.name, organization_id: p.organizationId, inserted_at: p.createdAt });

export const firmwareView = (f: Firmware & { createdAt: string }) => ({
  uuid: f.uuid,
  product: f.product,
  version: f.version,
  architecture: f.architecture,
  platform: f.platform,
  artifact_url: f.artifactUrl,
  author: f.author,
  description: f.description,
  vcs_identifier: f.vcsIdentifier,
  misc: f.misc,
  inserted_at: f.createdAt,
});

export const deploymentView = (d: DeploymentEntry) => ({
  id: d.deploymentId,
  name: d.name,
  product: d.product,
  firmware: d.firmwareUuid,
  conditions: d.conditions,
  is_active: d.isActive,
  state: d.isActive ? 'on' : 'off',
  quarantined: d.quarantined,
  quarantine_reason: d.quarantineReason,
  failure_rate: d.rules.failureRate,
  failure_rate_seconds: d.rules.failureRateSeconds,
  failure_threshold: d.rules.failureThreshold,
  device_failure_rate: d.rules.deviceFailureRate,
  device_failure_rate_seconds: d.rules.deviceFailureRateSeconds,
  device_failure_threshold: d.rules.deviceFailureThreshold,
  inserted_at: d.createdAt,
});

export const deviceView = (d: DeviceEntry) => ({
  identifier: d.deviceId,
  organization_id: d.organizationId,
  product: d.product,
  tags: d.tags,
  quarantined: d.quarantined,
  firmware_metadata: d.firmware,
  inserted_at: d.registeredAt,
});
