import { FailureRules, FirmwareMetadata } from '@flotilla/contracts';

/**
 * Deployment failure rate (§5): more than `failureRate` distinct devices each made ≥ 2 attempts within the last
 * `failureRateSeconds`. `attempts` are the deployment's attempts since its cut-off.
 */
export function failureRateExceeded(attempts: readonly { deviceId: string; at: number }[], rules: Pick<FailureRules, 'failureRate' | 'failureRateSeconds'>, now: number): boolean {
  const windowStart = now - rules.failureRateSeconds * 1000;
  const perDevice = new Map<string, number>();
  for (const { deviceId, at } of attempts) if (at > windowStart) perDevice.set(deviceId, (perDevice.get(deviceId) ?? 0) + 1);
  let repeating = 0;
  for (const count of perDevice.values()) if (count >= 2) repeating++;
  return repeating > rules.failureRate;
}

/**
 * Deployment failure threshold (§5, the literal reading): more than `failureThreshold` quarantined devices report
 * firmware whose architecture, platform, product and uuid equal the deployment's firmware.
 */
export function failureThresholdExceeded(quarantinedFirmware: readonly (FirmwareMetadata | null)[], firmware: FirmwareMetadata, rules: Pick<FailureRules, 'failureThreshold'>): boolean {
  const same = quarantinedFirmware.filter(
    (f) => f && f.architecture === firmware.architecture && f.platform === firmware.platform && f.product === firmware.product && f.uuid === firmware.uuid,
  ).length;
  return same > rules.failureThreshold;
}
