import { DomainError } from '@flotilla/decider';
import { DeploymentSettings } from '@flotilla/update-domain';

export type Body = Record<string, unknown> | undefined;

/** A Peridio body's inner object (`{"deployment":{...}}` → `{...}`), or the body itself. */
export function inner(body: Body, key: string): Record<string, unknown> {
  const value = body?.[key] ?? body ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw DomainError.invalid([`${key} must be an object`]);
  return value as Record<string, unknown>;
}

/** A deployment body's fields as the deployment decider checks them (it lists every problem). */
export function deploymentSettings(raw: Record<string, unknown>): DeploymentSettings {
  return {
    firmwareUuid: typeof raw.firmware === 'string' ? raw.firmware.toLowerCase() : raw.firmware,
    conditions: raw.conditions,
    isActive: raw.is_active,
    rules: {
      failureRate: raw.failure_rate,
      failureRateSeconds: raw.failure_rate_seconds,
      failureThreshold: raw.failure_threshold,
      deviceFailureRate: raw.device_failure_rate,
      deviceFailureRateSeconds: raw.device_failure_rate_seconds,
      deviceFailureThreshold: raw.device_failure_threshold,
    },
  };
}
