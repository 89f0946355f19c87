import { Same } from '@flotilla/testing';
import { DeviceState, deviceStateFormat } from './device';

// The state as snapshots of the current format hold it, written out. A change to its type fails to compile below:
// raise the format (snapshots of the older one are then ignored, never misread) and write the new shape here.
type Firmware = { uuid: string; product: string; version: string; architecture: string; platform: string };
type DeviceFormat2 = {
  status: 'absent' | 'active' | 'retired';
  identifier: string;
  organizationId: string;
  product: string;
  tags: string[];
  credentialHash: string;
  source: 'admin' | 'batch';
  credentialFetchable: boolean;
  quarantined: boolean;
  firmware: Firmware | null;
  cutoff: number;
  attempts: Record<string, readonly (readonly number[])[]>;
};

describe('snapshot formats', () => {
  it('name the shape of the state they hold', () => {
    const device: Same<DeviceState, DeviceFormat2> = true;
    expect({ device, deviceStateFormat }).toEqual({ device: true, deviceStateFormat: 2 });
  });
});
