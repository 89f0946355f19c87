import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { batchDecider, capacityDecider } from '@flotilla/batch-domain';
import { checkFleet } from '@flotilla/batch-read-model';
import { BatchSubjects, BatchView, CatalogSubjects, DeviceView, ServiceNames } from '@flotilla/contracts';
import { AggregateRepository, EventStore } from '@flotilla/event-store';
import { BatchAggregate } from '@flotilla/events';
import { createLoggedApp } from '@flotilla/nest-platform';
import { eventually, metricSum, openTestEnvironment, ServiceProcess, TestEnvironment } from '@flotilla/testing';
import { AppModule } from '../app.module';
import { BatchRepository } from '../batches/batch-repositories';
import { CapacityAggregate } from '../catalog/catalog-repositories';
import {
  createProject,
  natsRequester,
  startOrchestratorProcess,
  testConfig,
  unwrap,
} from '../test-fixtures/orchestrator-fixture';

type Capacity = { capacity: Record<string, Record<string, { available: number }>> };

/** Sums a Prometheus counter over its labels, from a service's /metrics. */
const counter = (port: number, name: string) => metricSum(`http://127.0.0.1:${port}/metrics`, name);

describe('the batch worker under faults', () => {
  let env: TestEnvironment;
  const processes: ServiceProcess[] = [];

  async function startInstance(extra: Record<string, string> = {}) {
    const { process, healthPort } = await startOrchestratorProcess(env, extra);
    processes.push(process);
    return { instance: process, healthPort };
  }

  beforeEach(async () => {
    env = await openTestEnvironment('WORKER');
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    await env.close();
  });

  it('provisions each device once when the provisioner is slower than the ack wait, with two instances sharing the work', async () => {
    const slow = { PROVISIONER_DELAY_MS: '2500', BATCH_WORKER_ACK_WAIT_MS: '1000' };
    const [a, b] = await Promise.all([startInstance(slow), startInstance(slow)]);
    const request = natsRequester(env);
    const { projectId } = await createProject(request);
    const items = [1, 2, 3].map((quantity) => ({
      plan: 'c3.medium.x86',
      operating_system: 'debian_12',
      facility: 'any',
      quantity,
    }));
    const queued = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, { projectId, batches: items }),
    ).batches;
    // A device still being provisioned cannot be deleted yet: refused as Metal refuses a deletion (422), not a 500.
    let provisioning: DeviceView | undefined;
    await eventually(
      async () => {
        const batch = await request<BatchView>(BatchSubjects.getBatch, { batchId: queued[0].id, includeDevices: true });
        provisioning = unwrap(batch).devices.find((d): d is DeviceView => 'state' in d && d.state === 'provisioning');
        return provisioning !== undefined;
      },
      10_000,
      'a device provisioning',
    );
    expect(await request(BatchSubjects.deleteDevice, { deviceId: provisioning!.id })).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        details: ['Cannot delete a device while it is provisioning'],
      },
    });
    for (const batch of queued) {
      await eventually(
        async () =>
          unwrap(await request<BatchView>(BatchSubjects.getBatch, { batchId: batch.id })).state === 'completed',
        30_000,
        'completed',
      );
    }
    const calls =
      (await counter(a.healthPort, 'flotilla_provisioner_calls_total')) +
      (await counter(b.healthPort, 'flotilla_provisioner_calls_total'));
    expect(calls).toBe(6);
    expect((await checkFleet(env)).violations).toEqual([]);
    // Each batch's time to completion is in the histogram: at least the slow provisioner's 2.5 s.
    const both = async (name: string) => (await counter(a.healthPort, name)) + (await counter(b.healthPort, name));
    expect(await both('flotilla_batches_finished_total')).toBe(3);
    expect(await both('flotilla_batch_duration_seconds_count')).toBe(3);
    expect(await both('flotilla_batch_duration_seconds_sum')).toBeGreaterThanOrEqual(3 * 2.5);
    expect(await both('flotilla_bus_requests_total')).toBe(await both('flotilla_bus_request_duration_seconds_count'));
  });

  it('deletes batches while their devices are being provisioned, keeping them or removing them, each server accounted for', async () => {
    const slow = { PROVISIONER_DELAY_MS: '2000' };
    const [a, b] = await Promise.all([startInstance(slow), startInstance(slow)]);
    const request = natsRequester(env);
    const { projectId } = await createProject(request);
    const available = async () =>
      unwrap(await request<Capacity>(CatalogSubjects.getCapacity, {})).capacity.sjc1['c3.medium.x86'].available;
    const before = await available();
    const item = (quantity: number) => ({
      plan: 'c3.medium.x86',
      operating_system: 'debian_12',
      facility: 'sjc1',
      quantity,
    });
    const queued = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, {
        projectId,
        batches: [{ ...item(3), locked: true }, item(2)],
      }),
    ).batches;
    const provisioning = await Promise.all(
      queued.map((batch) =>
        eventually(
          async () => {
            const view = unwrap(
              await request<BatchView>(BatchSubjects.getBatch, { batchId: batch.id, includeDevices: true }),
            );
            const devices = view.devices as DeviceView[];
            return view.state === 'in_progress' &&
              devices.length === batch.quantity &&
              devices.every((d) => d.state === 'provisioning')
              ? devices.map((d) => d.id)
              : undefined;
          },
          10_000,
          'in progress, its devices provisioning',
        ),
      ),
    );
    const [kept, removed] = queued;
    // Deleted as Metal deletes a batch, whenever it stands: the batch record goes at once. Its locked devices refuse
    // to go with it, as they would once it were over.
    expect(
      await request(BatchSubjects.deleteBatch, { batchId: kept.id, removeAssociatedInstances: true }),
    ).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    unwrap(await request(BatchSubjects.deleteBatch, { batchId: kept.id, removeAssociatedInstances: false }));
    unwrap(await request(BatchSubjects.deleteBatch, { batchId: removed.id, removeAssociatedInstances: true }));
    for (const batch of queued)
      expect(await request(BatchSubjects.getBatch, { batchId: batch.id })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    const states = async (ids: string[]) =>
      Promise.all(
        ids.map(async (deviceId) => unwrap(await request<DeviceView>(BatchSubjects.getDevice, { deviceId })).state),
      );
    // The devices being brought up come up: those of the batch deleted alone stay, holding their servers; those of
    // the batch deleted with its instances are deleted once up, and their servers go back.
    await eventually(
      async () => (await states(provisioning[0])).every((state) => state === 'active'),
      20_000,
      "the kept batch's devices active",
    );
    await eventually(
      async () => (await states(provisioning[1])).every((state) => state === 'deleted'),
      20_000,
      "the removed batch's devices deleted",
    );
    await eventually(async () => (await available()) === before - 3, 10_000, 'the kept devices holding their servers');
    const calls =
      (await counter(a.healthPort, 'flotilla_provisioner_calls_total')) +
      (await counter(b.healthPort, 'flotilla_provisioner_calls_total'));
    expect(calls).toBe(5);
    expect((await checkFleet(env)).violations).toEqual([]);
    // A kept device is the user's to unlock and delete, as any: its server goes back.
    unwrap(await request(BatchSubjects.updateDevice, { deviceId: provisioning[0][0], locked: false }));
    unwrap(await request(BatchSubjects.deleteDevice, { deviceId: provisioning[0][0] }));
    await eventually(async () => (await available()) === before - 2, 10_000, 'a kept device deleted');
    expect((await checkFleet(env)).violations).toEqual([]);
  });

  it('restarted long after a device was deleted, and even made to read its whole log again, gives no server back twice', async () => {
    // JetStream's duplicate window kept short, as if the restart came days later: only the capacity's own state knows
    // the device holds no server any more. Capacity is snapshotted at every commit, so that state is a snapshot's.
    await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix, duplicateWindowMs: 1_000 });
    const snapshotted = { BATCH_SNAPSHOT_EVERY: '1' };
    const first = await startInstance(snapshotted);
    const request = natsRequester(env);
    const { projectId } = await createProject(request);
    const available = async () =>
      unwrap(await request<Capacity>(CatalogSubjects.getCapacity, {})).capacity.sjc1['c3.medium.x86'].available;
    const [queued] = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, {
        projectId,
        batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1', quantity: 2 }],
      }),
    ).batches;
    const batch = await eventually(
      async () => {
        const b = unwrap(
          await request<BatchView>(BatchSubjects.getBatch, { batchId: queued.id, includeDevices: true }),
        );
        return b.state === 'completed' ? b : undefined;
      },
      20_000,
      'completed',
    );
    const [device] = batch.devices as DeviceView[];
    const before = await available();
    unwrap(await request(BatchSubjects.deleteDevice, { deviceId: device.id }));
    await eventually(async () => (await available()) === before + 1, 10_000, 'its server back');
    const afterDelete = await available();

    await first.instance.stop('SIGKILL');
    await startInstance(snapshotted);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await available()).toBe(afterDelete);

    // As if the worker's consumer were lost: the next instance reads every commit again, from the first.
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    await (await env.nc.jetstreamManager()).consumers.delete(env.stream, 'batch-worker');
    await startInstance(snapshotted);
    await eventually(
      async () =>
        (await (await env.nc.jetstreamManager()).consumers.info(env.stream, 'batch-worker')).num_pending === 0,
      20_000,
      'log read again',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await available()).toBe(afterDelete);
    expect((await checkFleet(env)).violations).toEqual([]);
  });

  /** Another instance's repositories on the log, a plan with 10 servers in sjc1, and a batch of 2 requested there. */
  async function batchRequestedElsewhere() {
    const store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    const plan = 'c3.medium.x86';
    const batches = new AggregateRepository(store, BatchAggregate, batchDecider);
    const capacity = new AggregateRepository(store, CapacityAggregate, capacityDecider(plan));
    const options = { metadata: { actor: 'another instance' } };
    await capacity.execute(plan, { type: 'SetCapacityTotal', facility: 'sjc1', total: 10 }, options);
    const batchId = randomUUID();
    const item = {
      plan,
      operatingSystem: 'debian_12',
      quantity: 2,
      facility: ['sjc1'],
      billingCycle: 'hourly',
      tags: [],
      spotInstance: false,
      attributes: {},
    };
    const ids = { batchId, projectId: randomUUID(), organizationId: randomUUID() };
    await batches.execute(batchId, { type: 'RequestBatch', ...ids, item, hostname: null, hostnames: null }, options);
    return {
      batchId,
      /** The steps of a run of the batch there, up to the settlement of the reservation `name`. */
      reserve: (name: string) =>
        capacity.execute(
          plan,
          { type: 'ReserveCapacity', batchId, facility: ['sjc1'], quantity: 2, reservation: name },
          options,
        ),
      place: (name: string) =>
        batches.execute(
          batchId,
          { type: 'PlaceBatch', allocations: [{ facility: 'sjc1', quantity: 2 }], spotPrices: {}, reservation: name },
          options,
        ),
      async settle(name: string) {
        const deviceIds = Object.keys((await batches.load(batchId)).state.devices);
        const command = { type: 'SettleReservation' as const, batchId, live: { sjc1: deviceIds }, reservation: name };
        return capacity.execute(plan, command, options);
      },
      /** Once the batch has completed here: its capacity holds its 2 servers, nothing else. */
      async completedHoldingItsServers() {
        await eventually(
          async () => (await checkFleet(env)).batches.find((b) => b.id === batchId)?.state === 'completed',
          20_000,
          'completed',
        );
        const { held, reserved } = (await capacity.load(plan)).state;
        expect({ held, reserved }).toEqual({ held: { sjc1: 2 }, reserved: { sjc1: 0 } });
        expect((await checkFleet(env)).violations).toEqual([]);
      },
    };
  }

  const instanceNotStarted = () =>
    createLoggedApp<INestApplication>(
      ServiceNames.batchOrchestrator,
      AppModule.with(testConfig(env, { seedDemoCatalog: false })),
    );

  it('takes up a batch that another instance settled before it died from where the log says, not from what it had cached', async () => {
    const elsewhere = await batchRequestedElsewhere();
    // This instance knows the batch as requested (it took the request, say); its workflow has not started yet.
    const app = await instanceNotStarted();
    try {
      expect((await app.get(BatchRepository).load(elsewhere.batchId)).state.status).toBe('queued');
      // The other instance's run: the reservation, the placement with its devices, the settlement; then it died.
      await elsewhere.reserve('r1');
      await elsewhere.place('r1');
      await elsewhere.settle('r1');
      await app.init();
      await elsewhere.completedHoldingItsServers();
    } finally {
      await app.close();
    }
  });

  it('gives back whole a reservation made again by a second run of a batch that another run had placed and settled', async () => {
    const elsewhere = await batchRequestedElsewhere();
    await elsewhere.reserve('r1');
    await elsewhere.place('r1');
    await elsewhere.settle('r1');
    // A second run, which saw the batch unplaced, asks again once r1 is settled: r2 is made.
    await elsewhere.reserve('r2');
    const app = await instanceNotStarted();
    try {
      await app.init();
      await elsewhere.completedHoldingItsServers();
    } finally {
      await app.close();
    }
  });
});
