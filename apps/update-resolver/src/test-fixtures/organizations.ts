import { BatchLogEventSchema, OrganizationAggregate, OrganizationCreated } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { TestEnvironment } from '@flotilla/testing';
import { ResolverConfig } from '../config';

/** Creates an organization where the batch-orchestrator would, in its log, for a resolver under test to find. */
export async function seedOrganization(env: TestEnvironment, config: ResolverConfig, organizationId: string) {
  const store = await EventStore.open(env.nc, {
    stream: config.batchStream,
    subjectPrefix: config.batchSubjectPrefix,
    ...BatchLogEventSchema,
  });
  const created: OrganizationCreated = {
    type: 'OrganizationCreated',
    data: { organizationId, name: 'test', createdAt: new Date().toISOString() },
  };
  await store.append(store.subjectFor(OrganizationAggregate, organizationId), [created], {
    expectedVersion: 0,
    metadata: { actor: 'test' },
  });
}
