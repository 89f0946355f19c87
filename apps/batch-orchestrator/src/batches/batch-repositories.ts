import { BatchAggregate, BatchDeviceEvent, BatchEvent, DeviceAggregate } from '@flotilla/contracts';
import {
  BatchCommand,
  batchDecider,
  BatchState,
  DeviceCommand,
  deviceDecider,
  DeviceState,
} from '@flotilla/batch-domain';
import { AggregateRepository, EventStore } from '@flotilla/event-store';

export class BatchRepository extends AggregateRepository<BatchCommand, BatchState, BatchEvent> {}
export class DeviceRepository extends AggregateRepository<DeviceCommand, DeviceState, BatchDeviceEvent> {}

export const batchRepositoryProviders = [
  {
    provide: BatchRepository,
    inject: [EventStore],
    useFactory: (store: EventStore) => new AggregateRepository(store, BatchAggregate, batchDecider),
  },
  {
    provide: DeviceRepository,
    inject: [EventStore],
    useFactory: (store: EventStore) => new AggregateRepository(store, DeviceAggregate, deviceDecider),
  },
];
