import { OrganizationAggregate, OrganizationEvent } from '@flotilla/contracts';
import { AggregateRepository, EventStore } from '@flotilla/event-store';
import { OrganizationCommand, organizationDecider, OrganizationState } from '@flotilla/tenancy-domain';

export class OrganizationRepository extends AggregateRepository<
  OrganizationCommand,
  OrganizationState,
  OrganizationEvent
> {}

export const organizationRepositoryProvider = {
  provide: OrganizationRepository,
  inject: [EventStore],
  useFactory: (store: EventStore) => new AggregateRepository(store, OrganizationAggregate, organizationDecider),
};
