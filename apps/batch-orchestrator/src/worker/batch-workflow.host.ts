import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import {
  BatchWorkflowInput,
  batchWorkflow,
  BatchWorkflowState,
  BatchWorkflowStep,
  CapacityEvent,
  reservationOutcome,
  spotPricesFor,
} from '@flotilla/batch-domain';
import { asDomainEvent, EventStore, ExecuteOptions, WorkflowRunner } from '@flotilla/event-store';
import { CapacityRepositories, CatalogRepository } from '../catalog/catalog-repositories';
import { BatchRepository, DeviceRepository } from '../batches/batch-repositories';
import { deleteProvisionedDevice } from '../batches/delete-device';
import { CONFIG, OrchestratorConfig } from '../config';
import { Provisioner } from './provisioner';
import { runConcurrently } from './run-concurrently';

/**
 * Runs the batch workflow (libs/batch/domain batch-workflow.ts) on the log, one consumer shared by every instance:
 * this is where its steps meet the aggregates, the catalog and the provisioner. Slow provisioning keeps its commit in
 * hand, so it is never started twice for being slow.
 */
@Injectable()
export class BatchWorkflowHost extends ConsumerHost {
  private readonly logger = new Logger('batch-workflow');
  protected readonly consumer: WorkflowRunner<BatchWorkflowInput, BatchWorkflowState, BatchWorkflowStep>;
  private readonly provisionerCalls: Counter<'outcome'>;
  private readonly batchesFinished: Counter<'state'>;
  private readonly batchDuration: Histogram<'state'>;

  constructor(
    store: EventStore,
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
    this.provisionerCalls = new Counter({
      name: 'flotilla_provisioner_calls_total',
      help: 'Devices handed to the provisioner, by outcome',
      labelNames: ['outcome'],
      registers: [health.metrics],
    });
    this.batchesFinished = new Counter({
      name: 'flotilla_batches_finished_total',
      help: 'Batches that reached a terminal state',
      labelNames: ['state'],
      registers: [health.metrics],
    });
    this.batchDuration = new Histogram({
      name: 'flotilla_batch_duration_seconds',
      help: 'Time from a batch request to its terminal state, by that state',
      labelNames: ['state'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [health.metrics],
    });
    this.consumer = new WorkflowRunner(store, batchWorkflow, {
      // The consumer's and the actor's names are its identity in JetStream and in the log: kept from its first release.
      name: 'batch-worker',
      actor: 'batch-orchestrator:worker',
      concurrency: 256,
      eventTypes: ['BatchRequested', 'BatchDeleted', 'DeviceDeleted'],
      ackWaitMs: config.workerAckWaitMs,
      retry: config.consumerRetry,
      parked,
      logger: this.logger,
      take: (step, options) => this.take(step, options),
    });
  }

  private async take(step: BatchWorkflowStep, options: ExecuteOptions): Promise<BatchWorkflowInput[]> {
    switch (step.type) {
      case 'ObserveBatch':
        return [{ type: 'BatchObserved', data: (await this.batches.load(step.batchId)).state }];
      case 'SendToBatch': {
        const { state, events } = await this.batches.execute(step.batchId, step.command, options);
        const finished = events.find((e) => e.type === 'BatchCompleted' || e.type === 'BatchFailed');
        if (finished) {
          this.batchesFinished.inc({ state: state.status });
          if (state.request) {
            const seconds = (Date.parse(finished.time) - Date.parse(state.request.requestedAt)) / 1000;
            this.batchDuration.observe({ state: state.status }, seconds);
          }
          this.logger.log({ msg: 'batch finished', batchId: step.batchId, state: state.status });
        }
        return [{ type: 'BatchObserved', data: state }];
      }
      case 'SendToCapacity': {
        // Each asking names the reservation it would make: a batch placed with one can tell it from one made again
        // by a second run of the batch (see SettleReservation).
        const command =
          step.command.type === 'ReserveCapacity' ? { ...step.command, reservation: randomUUID() } : step.command;
        const { state, events } = await this.capacity.execute(step.plan, command, options);
        if (command.type !== 'ReserveCapacity') return [];
        const outcome = reservationOutcome(state, command.batchId, events.map(asDomainEvent<CapacityEvent>));
        if (!outcome)
          throw new Error(
            `capacity of ${step.plan} holds no reservation for batch ${command.batchId}, which has none placed`,
          );
        return [{ type: 'ReservationAnswered', data: outcome }];
      }
      case 'ReadSpotPrices':
        return [{ type: 'SpotPricesRead', data: spotPricesFor(await this.catalog.current(), step.plan) }];
      case 'Provision': {
        const outcomes: { deviceId: string; error?: string }[] = [];
        await runConcurrently(step.devices, 256, async (device) => {
          const result = await this.provisioner.provision(device);
          this.provisionerCalls.inc({ outcome: result.ok ? 'active' : 'failed' });
          outcomes.push(result.ok ? { deviceId: device.deviceId } : { deviceId: device.deviceId, error: result.error });
        });
        return [{ type: 'DevicesProvisioned', data: outcomes }];
      }
      case 'DeleteDevices': {
        // One still being provisioned is deleted by its batch's own run once its outcome is recorded, after this read
        // (a device never goes back to provisioning, and the batch's deletion is in the log before either run); the
        // others' state in this read is final, so one read serves them all.
        const { devices } = (await this.batches.load(step.batchId)).state;
        const provisioned = step.deviceIds.flatMap((deviceId) => {
          const device = devices[deviceId];
          return device && device.status !== 'provisioning' ? [device] : [];
        });
        await runConcurrently(provisioned, 64, (device) =>
          // A device locked since its batch was deleted is left as it is, as the deletion would have been refused.
          deleteProvisionedDevice(this.devices, device, options, true),
        );
        return [];
      }
    }
  }
}
