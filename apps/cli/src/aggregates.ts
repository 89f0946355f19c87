import {
  batchDecider,
  capacityDecider,
  CapacityState,
  catalogDecider,
  deviceDecider as serverDecider,
  holdersOf,
} from '@flotilla/batch-domain';
import { Decider } from '@flotilla/decider';
import { DomainEvent } from '@flotilla/events';
import { organizationDecider } from '@flotilla/tenancy-domain';
import {
  aggregateKeyOfName,
  deploymentDecider,
  deviceDecider as updateDeviceDecider,
  DeviceState as UpdateDeviceState,
  firmwareDecider,
  productDecider,
} from '@flotilla/update-domain';
import type { ServiceName } from './cli-context';

type Fold = Pick<Decider<unknown, unknown, DomainEvent>, 'evolve' | 'initialState' | 'evolveAll'>;

/** A kind of aggregate an operator can audit and time-travel. */
export interface AggregateKind {
  /** The service whose log holds it. */
  log: ServiceName;
  /** Its type in that log's subjects (`evt.<ctx>.<type>.<id>`). */
  subjectType: string;
  /** How an operator names one. */
  naming: string;
  /** Its id in the log from the operator's name (the update side keys aggregates by a hash of their names). */
  idOf(name: string): string;
  /** The decider that folds its events (a capacity aggregate's is its plan's). */
  decider(id: string): Fold;
  /** Its state as an operator reads it, where the state's own shape is made for the machine. */
  view?(state: unknown): unknown;
}

const asIs = (name: string) => name;

const keyed = (parts: 2 | 3) => (name: string) => aggregateKeyOfName(name, parts);

/** Every aggregate of both services. */
export const AGGREGATES: Record<string, AggregateKind> = {
  organization: {
    log: 'batch',
    subjectType: 'organization',
    naming: '<organization id>',
    idOf: asIs,
    decider: () => organizationDecider,
  },
  catalog: { log: 'batch', subjectType: 'catalog', naming: 'global', idOf: asIs, decider: () => catalogDecider },
  capacity: {
    log: 'batch',
    subjectType: 'capacity',
    naming: '<plan>',
    idOf: asIs,
    decider: (plan) => capacityDecider(plan),
    view: (state) => ({ ...(state as CapacityState), holders: holdersOf(state as CapacityState) }),
  },
  batch: { log: 'batch', subjectType: 'batch', naming: '<batch id>', idOf: asIs, decider: () => batchDecider },
  device: { log: 'batch', subjectType: 'device', naming: '<device id>', idOf: asIs, decider: () => serverDecider },
  product: {
    log: 'update',
    subjectType: 'product',
    naming: '<organization id>/<product>',
    idOf: keyed(2),
    decider: () => productDecider,
  },
  firmware: {
    log: 'update',
    subjectType: 'firmware',
    naming: '<firmware uuid>',
    idOf: (uuid) => uuid.toLowerCase(),
    decider: () => firmwareDecider,
  },
  deployment: {
    log: 'update',
    subjectType: 'deployment',
    naming: '<organization id>/<product>/<deployment name>',
    idOf: keyed(3),
    decider: () => deploymentDecider,
  },
  'update-device': {
    log: 'update',
    subjectType: 'device',
    naming: '<organization id>/<identifier>',
    idOf: keyed(2),
    decider: () => updateDeviceDecider,
    // Attempt times as one list per deployment, not in the chunks that keep appending cheap.
    view: (state) => {
      const device = state as UpdateDeviceState;
      const attempts = Object.fromEntries(Object.entries(device.attempts).map(([id, times]) => [id, times.flat()]));
      return { ...device, attempts };
    },
  },
};

/** The kind named `type`, or an error listing every kind and how to name one. */
export function aggregateKind(type: string): AggregateKind {
  const kind = AGGREGATES[type];
  if (kind) return kind;
  const known = Object.entries(AGGREGATES).map(([name, k]) => `${name} ${k.naming}`);
  throw new Error(`unknown aggregate type "${type}"; known:\n  ${known.join('\n  ')}`);
}
