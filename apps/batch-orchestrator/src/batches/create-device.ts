import { setTimeout as sleep } from 'node:timers/promises';
import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { BatchView, CreateDeviceRequest, DeviceView, ErrorCodes } from '@flotilla/contracts';
import { BatchRow, DeviceRow } from '@flotilla/batch-read-model';
import { DomainError } from '@flotilla/decider';
import { BatchAggregate } from '@flotilla/events';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { CONFIG, OrchestratorConfig } from '../config';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { GetDeviceQuery } from './batch-queries';
import { CreateBatchesCommand } from './create-batches';
import { BatchRepository } from './batch-repositories';

export class CreateDeviceCommand {
  constructor(
    readonly request: CreateDeviceRequest,
    readonly meta: RequestMeta,
  ) {}
}

/** How often the read model is looked at while a device's placement is awaited: placement takes milliseconds. */
const POLL_MS = 20;
/** How long the read model is waited for once the log has the batch placed: it is milliseconds behind. */
const CATCH_UP_MS = 1_000;

/**
 * One device, as Metal's `createDevice` makes it: a batch of one, answered with its device once the batch workflow has
 * placed it (still provisioning, as Metal answers: a client polls the device until it is active), since a Metal
 * client goes on with the device's id. A device that finds no room answers 422 with its batch's error_messages, as
 * Metal answers "no servers available". One not placed within the wait (the workflow is behind or down) answers
 * `unavailable`: with a command id its request stands, and the retry that the id makes safe answers its device once
 * placed; without one it is withdrawn, so that a retry never leaves a device the client was not told of (one placed
 * as the wait ran out cannot be withdrawn, and is answered).
 */
@CommandHandler(CreateDeviceCommand)
export class CreateDeviceHandler implements ICommandHandler<CreateDeviceCommand, DeviceView> {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly batches: BatchRepository,
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
    @Inject(CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async execute({ request, meta }: CreateDeviceCommand): Promise<DeviceView> {
    const { projectId, device, commandId } = request;
    const {
      batches: [batch],
    } = await this.commands.execute<CreateBatchesCommand, { batches: BatchView[] }>(
      new CreateBatchesCommand({ projectId, batches: [device], commandId }, meta, true),
    );
    let row = await this.placed(batch.id, this.config.devicePlacementWaitMs);
    if (row === undefined) {
      const waited = `the device was not placed within ${this.config.devicePlacementWaitMs} ms`;
      if (commandId)
        throw new DomainError(
          ErrorCodes.unavailable,
          `${waited}; its request stands: the same Idempotency-Key (commandId) answers its device once it is placed`,
        );
      if (await this.withdrawn(batch.id, meta))
        throw new DomainError(ErrorCodes.unavailable, `${waited}, so its request was withdrawn: nothing was created`);
      // Placed or refused as the wait ran out: the client is told what came of it once the read model has it.
      row = await this.placed(batch.id, CATCH_UP_MS);
      if (row === undefined)
        throw new DomainError(
          ErrorCodes.unavailable,
          `${waited}; it was placed or refused as the wait ran out: see batch ${batch.id}`,
        );
    }
    if (!row || row.state === 'deleted') throw DomainError.conflict(`the device's batch ${batch.id} was deleted`);
    const placed = await this.dataSource.getRepository(DeviceRow).findOneBy({ batchId: batch.id });
    if (placed) return this.queries.execute(new GetDeviceQuery(placed.id, meta));
    throw DomainError.invalid(row.errorMessages);
  }

  /**
   * The batch once it is no longer queued (placed, its device created in the same commit, or refused), null once
   * deleted; undefined when the wait is up first. A batch the read model lacks is deleted only once the read model
   * holds its commits: until then it has not applied the request.
   */
  private async placed(batchId: string, waitMs: number): Promise<BatchRow | null | undefined> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      let row = await this.batchRow(batchId);
      if (row === null) {
        const held = await this.projection.caughtUp({ type: BatchAggregate, id: batchId }, POLL_MS).catch(() => false);
        row = held ? await this.batchRow(batchId) : undefined;
      }
      if (row === null || (row && row.state !== 'queued')) return row;
      if (performance.now() >= deadline) return undefined;
      await sleep(POLL_MS);
    }
  }

  /** The batch's row, null if there is none; undefined if it could not be read (Postgres away for a moment). */
  private batchRow(batchId: string): Promise<BatchRow | null | undefined> {
    return this.dataSource
      .getRepository(BatchRow)
      .findOneBy({ id: batchId })
      .catch(() => undefined);
  }

  /** Takes the request back unless the workflow placed or refused it meanwhile (or it was deleted). */
  private async withdrawn(batchId: string, meta: RequestMeta): Promise<boolean> {
    try {
      const { version } = await this.batches.execute(batchId, { type: 'WithdrawBatch' }, { metadata: meta });
      await this.projection.waitFor(version);
      return true;
    } catch (err) {
      if (err instanceof DomainError && (err.code === ErrorCodes.conflict || err.code === ErrorCodes.notFound))
        return false;
      throw err;
    }
  }
}
