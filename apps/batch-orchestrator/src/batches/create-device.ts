import { setTimeout as sleep } from 'node:timers/promises';
import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { BatchView, CreateDeviceRequest, DeviceView, ErrorCodes } from '@flotilla/contracts';
import { BatchRow } from '@flotilla/batch-read-model';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { CONFIG, OrchestratorConfig } from '../config';
import { GetDeviceQuery } from './batch-queries';
import { CreateBatchesCommand } from './create-batches';
import { DeleteBatchCommand } from './delete-batch';

export class CreateDeviceCommand {
  constructor(
    readonly request: CreateDeviceRequest,
    readonly meta: RequestMeta,
  ) {}
}

/** How often the read model is looked at while a device's placement is awaited: placement takes milliseconds. */
const POLL_MS = 20;

/**
 * One device, as Metal's `createDevice` makes it: a batch of one, answered with its device once the batch workflow has
 * placed it, since a Metal client goes on with the device's id. A device that finds no room answers 422 with its
 * batch's error_messages, as Metal answers "no servers available". One not placed within the wait (the workflow is
 * behind or down) answers `unavailable`: with a command id its request stands, and the retry that the id makes safe
 * answers its device once placed; without one it is withdrawn (its batch deleted with its devices), so that a retry
 * never leaves a device the client was not told of.
 */
@CommandHandler(CreateDeviceCommand)
export class CreateDeviceHandler implements ICommandHandler<CreateDeviceCommand, DeviceView> {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async execute({ request, meta }: CreateDeviceCommand): Promise<DeviceView> {
    const { projectId, device, commandId } = request;
    const {
      batches: [batch],
    } = await this.commands.execute<CreateBatchesCommand, { batches: BatchView[] }>(
      new CreateBatchesCommand({ projectId, batches: [device], commandId }, meta, true),
    );
    const row = await this.placed(batch.id);
    if (row === undefined) {
      const waited = `the device was not placed within ${this.config.devicePlacementWaitMs} ms`;
      if (commandId)
        throw new DomainError(
          ErrorCodes.unavailable,
          `${waited}; its request stands: the same Idempotency-Key (commandId) answers its device once it is placed`,
        );
      await this.commands.execute(new DeleteBatchCommand(batch.id, true, meta));
      throw new DomainError(ErrorCodes.unavailable, `${waited}, so its request was withdrawn: nothing was created`);
    }
    if (!row || row.state === 'deleted') throw DomainError.conflict(`the device's batch ${batch.id} was deleted`);
    if (row.state === 'failed') throw DomainError.invalid(row.errorMessages);
    return this.queries.execute(new GetDeviceQuery(row.deviceIds[0], meta));
  }

  /** The batch once it is placed or failed (null once deleted); undefined when the wait is up first. */
  private async placed(batchId: string): Promise<BatchRow | null | undefined> {
    const deadline = Date.now() + this.config.devicePlacementWaitMs;
    for (;;) {
      // A read that fails (Postgres away for a moment) is tried again while the wait lasts.
      const row = await this.dataSource
        .getRepository(BatchRow)
        .findOneBy({ id: batchId })
        .catch(() => undefined);
      if (row === null || (row && row.state !== 'queued' && row.state !== 'in_progress')) return row;
      if (Date.now() >= deadline) return undefined;
      await sleep(POLL_MS);
    }
  }
}
