import { DeploymentRow, FirmwareRow, ProductRow, UpdateDeviceRow } from '@flotilla/update-read-model';

/** Peridio's legacy shapes (snake_case), as the admin API returns them. */
export const productView = (p: ProductRow) => ({
  name: p.name,
  organization_id: p.organizationId,
  inserted_at: p.createdAt.toISOString(),
});

export const firmwareView = (f: FirmwareRow) => ({
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
  inserted_at: f.createdAt.toISOString(),
});

export const deploymentView = (d: DeploymentRow) => ({
  id: d.id,
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
  inserted_at: d.createdAt.toISOString(),
  updated_at: d.updatedAt.toISOString(),
});

export const deviceView = (d: UpdateDeviceRow) => ({
  identifier: d.identifier,
  organization_id: d.organizationId,
  product: d.product,
  tags: d.tags,
  quarantined: d.quarantined,
  firmware_metadata: d.firmwareMetadata,
  attempts: d.attempts,
  inserted_at: d.createdAt.toISOString(),
  updated_at: d.updatedAt.toISOString(),
});
