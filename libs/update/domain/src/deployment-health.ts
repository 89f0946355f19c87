import { FailureRules, FirmwareMetadata } from '@flotilla/contracts';
import { AttemptWindow } from './attempt-window';

/**
 * Deployment failure rate (§5): more than `failureRate` distinct devices each made ≥ 2 attempts within the last
 * `failureRateSeconds`, among the deployment's attempts since its cut-off.
 */
export function failureRateExceeded(attempts: AttemptWindow, rules: Pick<FailureRules, 'failureRate' | 'failureRateSeconds'>, now: number): boolean {
  return attempts.repeatingDevices(now, rules.failureRateSeconds * 1000) > rules.failureRate;
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
