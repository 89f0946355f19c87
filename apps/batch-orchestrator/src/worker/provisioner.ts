import { hash } from 'node:crypto';
import { DeviceDescription } from '@flotilla/contracts';

export type ProvisioningResult = { ok: true } | { ok: false; error: string };

/**
 * The port to whatever puts a server into service (Tinkerbell, an IPMI/Redfish driver, …). It may be asked twice for
 * the same device after a crash, and must then answer as it did the first time: idempotent by `deviceId`.
 */
export abstract class Provisioner {
  abstract provision(device: DeviceDescription): Promise<ProvisioningResult>;
}

/**
 * Brings a device up after `delayMs`. Which devices fail is decided by their id, not by chance at call time, so a
 * retried batch sees the same outcome for the same device.
 */
export class SimulatedProvisioner extends Provisioner {
  constructor(private readonly options: { delayMs: number; failureRate: number }) {
    super();
  }

  async provision(device: DeviceDescription): Promise<ProvisioningResult> {
    if (this.options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    if (this.options.failureRate <= 0) return { ok: true };
    const draw = hash('sha256', device.deviceId, 'buffer').readUInt32BE(0) / 2 ** 32;
    return draw < this.options.failureRate
      ? { ok: false, error: `simulated provisioning failure in ${device.facility}` }
      : { ok: true };
  }
}
