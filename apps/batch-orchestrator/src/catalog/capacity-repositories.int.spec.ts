import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { availableCapacity, holdsServer } from '@flotilla/batch-domain';
import { ServiceNames } from '@flotilla/contracts';
import { createLoggedApp } from '@flotilla/nest-platform';
import { openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { AppModule } from '../app.module';
import { testConfig } from '../test-fixtures/orchestrator-fixture';
import { CapacityRepositories } from './catalog-repositories';

describe("a plan's capacity, written by group commit", () => {
  let env: TestEnvironment;
  let app: INestApplication;

  beforeAll(async () => {
    env = await openTestEnvironment('CAPACITY');
    app = await createLoggedApp(
      ServiceNames.batchOrchestrator,
      AppModule.with(testConfig(env, { seedDemoCatalog: false })),
    );
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('settles many big batches at once in as many commits as their devices need, each one message', async () => {
    // 40 batches of 1,000 devices settling together: about 1.6 MB of device ids, more than one JetStream message holds.
    const capacity = app.get(CapacityRepositories);
    const plan = 'group.plan';
    const options = { metadata: { actor: 'test' } };
    await capacity.execute(plan, { type: 'SetCapacityTotal', facility: 'f1', total: 40_000 }, options);
    const batches = Array.from({ length: 40 }, () => ({
      batchId: randomUUID(),
      deviceIds: Array.from({ length: 1_000 }, () => randomUUID()),
    }));
    await Promise.all(
      batches.map(({ batchId }) =>
        capacity.execute(plan, { type: 'ReserveCapacity', batchId, facility: 'f1', quantity: 1_000 }, options),
      ),
    );
    const settled = await Promise.all(
      batches.map(({ batchId, deviceIds }) =>
        capacity.execute(plan, { type: 'SettleReservation', batchId, live: { f1: deviceIds } }, options),
      ),
    );
    const commits = new Set(settled.map((s) => s.version));
    expect(commits.size).toBeGreaterThan(1);
    expect(commits.size).toBeLessThan(40);
    const state = settled.reduce((newest, s) => (s.version > newest.version ? s : newest)).state;
    expect(availableCapacity(state)).toEqual({ f1: 0 });
    expect(batches.every(({ deviceIds }) => deviceIds.every((id) => holdsServer(state, 'f1', id)))).toBe(true);
  });
});
