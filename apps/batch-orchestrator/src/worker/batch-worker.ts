import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import { BatchDeleted, DeviceDeleted } from '@flotilla/contracts';
import { BatchState, isTerminal, spotPricesFor } from '@flotilla/batch-domain';
import { DomainError } from '@flotilla/decider';
import { Commit, EventMetadata, EventStore, SharedConsumer } from '@flotilla/event-store';
import { CapacityRepositories, CatalogRepository } from '../catalog/catalog-repositories';
import { BatchRepository, DeviceRepository } from '../batches/batch-repositories';
import { deleteDevice } from '../batches/delete-device';
import { CONFIG, OrchestratorConfig } from '../config';
import { Provisioner } from './provisioner';
import { runConcurrently } from './run-concurrently';

const WORKER = 'batch-orchestrator:worker';

type Metadata = { actor: string; correlationId: string; causationId: string | null };

/**
 * The process manager of batches (batch-deployment.md §6), fed by a consumer shared by every instance (its position
 * survives restarts; slow provisioning keeps its commit in hand, so it is never started twice for being slow).
 * Each step is idempotent and reads where the batch stands from its aggregates, so a batch taken up again after a
 * crash carries on from there:
 *   queued → BatchStarted → capacity reserved (all or nothing) or refused → BatchPlaced + DeviceCreated × Q →
 *   provisioner → capacity settled → DeviceProvisioned / DeviceProvisioningFailed + BatchCompleted | BatchFailed.
 * Capacity is settled before the outcome is recorded, so a batch in a terminal state never holds a reservation.
 * It also removes a deleted batch's devices, and gives a deleted live device's server back.
 */
@Injectable()
export class BatchWorker extends ConsumerHost {
  private readonly logger = new Logger('batch-worker');
  protected readonly consumer: SharedConsumer;
  private readonly provisionerCalls: Counter<'outcome'>;
  private readonly batchesFinished: Counter<'state'>;

  constructor(
    private readonly store: EventStore,
    private readonly batches: BatchRepository,
    private readonly devices: DeviceRepository,
    private readonly catalog: CatalogRepository,
    private readonly capacity: CapacityRepositories,
    private readonly provisioner: Provisioner,
    parked: PostgresParkedStore,
    health: HealthRegistry,
    @Inject(CONFIG) config: OrchestratorConfig,
  ) {
    super(health);
    this.provisionerCalls = new Counter({ name: 'flotilla_provisioner_calls_total', help: 'Devices handed to the provisioner, by outcome', labelNames: ['outcome'], registers: [health.metrics] });
    this.batchesFinished = new Counter({ name: 'flotilla_batches_finished_total', help: 'Batches that reached a terminal state', labelNames: ['state'], registers: [health.metrics] });
    this.consumer = new SharedConsumer(
      this.store,
      {
        name: 'batch-worker',
        concurrency: 256,
        eventTypes: ['BatchRequested', 'BatchDeleted', 'DeviceDeleted'],
        ackWaitMs: config.workerAckWaitMs,
        retry: config.consumerRetry,
        parked,
        logger: this.logger,
      },
      (commit) => this.handle(commit),
    );
  }

  private async handle(commit: Commit): Promise<void> {
    for (const event of commit.events) await this.react(event.type, event.data, commit.metadata);
  }

  private async react(type: string, data: unknown, cause: EventMetadata): Promise<void> {
    const metadata = { actor: WORKER, correlationId: cause.correlationId, causationId: cause.commandId };
    if (type === 'BatchRequested') await this.runBatch((data as { batchId: string }).batchId, metadata);
    if (type === 'BatchDeleted') await this.removeDevices(data as BatchDeleted['data'], metadata);
    if (type === 'DeviceDeleted') await this.releaseServer(data as DeviceDeleted['data'], metadata);
  }

  private async runBatch(batchId: string, metadata: Metadata): Promise<void> {
    const options = { metadata };
    let { state } = await this.batches.execute(batchId, { type: 'StartBatch' }, options).catch(ignoreDeleted);
    if (!state || state.status === 'deleted' || !state.request) return;
    const { item } = state.request;

    if (state.status === 'in_progress' && !state.allocations) {
      const spot = item.spotInstance ? { maxPrice: item.spotPriceMax ?? 0, prices: spotPricesFor(await this.catalog.current(), item.plan) } : undefined;
      const reserved = await this.capacity.execute(
        item.plan,
        { type: 'ReserveCapacity', batchId, facility: item.facility, facilityDiversityLevel: item.facilityDiversityLevel, quantity: item.quantity, spot },
        options,
      );
      const outcome = reserved.state.decided[batchId];
      const next = outcome.ok
        ? { type: 'PlaceBatch' as const, allocations: outcome.allocations, spotPrices: outcome.spotPrices }
        : { type: 'FailBatch' as const, errorMessages: [outcome.reason] };
      state = (await this.batches.execute(batchId, next, options)).state;
    }

    // A big batch's devices take several commits: create the rest, then provision.
    while (state.status === 'in_progress' && Object.keys(state.devices).length < item.quantity) {
      state = (await this.batches.execute(batchId, { type: 'CreateDevices' }, options)).state;
    }
    if (state.status === 'in_progress') await this.provision(batchId, state, options);
  }

  private async provision(batchId: string, state: BatchState, options: { metadata: Metadata }): Promise<void> {
    const pending = Object.values(state.devices).filter((d) => d.status === 'provisioning');
    const outcomes: { deviceId: string; error?: string }[] = [];
    await runConcurrently(pending, 256, async ({ description }) => {
      const result = await this.provisioner.provision(description);
      this.provisionerCalls.inc({ outcome: result.ok ? 'active' : 'failed' });
      outcomes.push(result.ok ? { deviceId: description.deviceId } : { deviceId: description.deviceId, error: result.error });
    });
    const failed = new Set(outcomes.filter((o) => o.error !== undefined).map((o) => o.deviceId));
    const live: Record<string, number> = {};
    for (const { description, status } of Object.values(state.devices)) {
      if (status === 'active' || (status === 'provisioning' && !failed.has(description.deviceId))) live[description.facility] = (live[description.facility] ?? 0) + 1;
    }
    await this.capacity.execute(state.request!.item.plan, { type: 'SettleReservation', batchId, live }, options);
    while (!isTerminal(state.status)) state = (await this.batches.execute(batchId, { type: 'RecordProvisioning', outcomes }, options)).state;
    this.batchesFinished.inc({ state: state.status });
    this.logger.log({ msg: 'batch finished', batchId, state: state.status });
  }

  private async removeDevices(deleted: BatchDeleted['data'], metadata: Metadata): Promise<void> {
    if (!deleted.removeAssociatedInstances) return;
    await runConcurrently(deleted.deviceIds, 64, (deviceId) => deleteDevice(this.batches, this.devices, deleted.batchId, deviceId, { metadata }));
  }

  private async releaseServer(deleted: DeviceDeleted['data'], metadata: Metadata): Promise<void> {
    if (!deleted.heldCapacity) return;
    await this.capacity.execute(deleted.plan, { type: 'ReleaseDeviceCapacity', facility: deleted.facility, count: 1 }, {
      metadata,
      commandId: `release-device:${deleted.deviceId}`,
      fingerprint: deleted.deviceId,
    });
  }
}

/** A batch deleted before the worker got to it has nothing left to do. */
function ignoreDeleted(err: unknown): { state: null } {
  if (err instanceof DomainError && err.code === 'not_found') return { state: null };
  throw err;
}

