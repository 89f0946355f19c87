import { Same } from '@flotilla/testing';
import { FLEET_SNAPSHOT_FORMAT, FleetContents } from './fleet-snapshot';

// What a fleet-view snapshot of the current format holds, written out. A change to what the view keeps fails to compile
// below: raise FLEET_SNAPSHOT_FORMAT (snapshots of the older one are then ignored, never misread) and write the new
// shape here. (A change to how an event changes the view needs the raise too, and no compiler sees that.)
type FirmwareMetadata = { uuid: string; product: string; version: string; architecture: string; platform: string };
type FleetFormat7 = {
  streamSeq: number;
  streamCreated: string;
  skipped: number[];
  products: { organizationId: string; name: string; createdAt: string }[];
  firmwares: (FirmwareMetadata & {
    organizationId: string;
    artifactUrl: string;
    author: string | null;
    description: string | null;
    vcsIdentifier: string | null;
    misc: string | null;
    createdAt: string;
  })[];
  deployments: {
    deploymentId: string;
    organizationId: string;
    product: string;
    name: string;
    firmwareUuid: string;
    conditions: { tags: string[]; version: string | null };
    isActive: boolean;
    quarantined: boolean;
    quarantineReason: string | null;
    rules: {
      failureRate: number;
      failureRateSeconds: number;
      failureThreshold: number;
      deviceFailureRate: number;
      deviceFailureRateSeconds: number;
      deviceFailureThreshold: number;
    };
    createdAt: string;
    createdOrder: number;
    cutoff: number;
    attempts: [string, number][];
    totalAttempts: number;
  }[];
  devices: {
    size: number;
    identifier: string[];
    credentialHash: Buffer;
    otherCredentials: Map<number, string>;
    organizationId: Int32Array;
    product: Int32Array;
    tags: Int32Array;
    firmware: Int32Array;
    flags: Uint8Array;
    values: unknown[];
  };
  checking: {
    versions: Float64Array;
    cutoffs: Float64Array;
    attempts: Map<number, Record<string, readonly (readonly number[])[]>>;
  };
};

describe('the fleet snapshot format', () => {
  it('names the shape of what it holds', () => {
    const same: Same<FleetContents, FleetFormat7> = true;
    expect({ same, FLEET_SNAPSHOT_FORMAT }).toEqual({ same: true, FLEET_SNAPSHOT_FORMAT: 7 });
  });
});
