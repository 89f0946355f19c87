import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { DeviceRow, deviceIsLocked } from '@flotilla/batch-read-model';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { caughtUpOrUnavailable, ProjectionRunner } from '@flotilla/projections';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { BatchRepository } from './batch-repositories';

export class DeleteBatchCommand {
  constructor(
    readonly batchId: string,
    readonly removeAssociatedInstances: boolean,
    readonly meta: RequestMeta,
  ) {}
}

/**
 * Removes the batch record; with `remove_associated_instances` the batch workflow then deletes its devices, which is
 * refused while any of them is locked (a device locked meanwhile is left as it is by the workflow).
 */
@CommandHandler(DeleteBatchCommand)
export class DeleteBatchHandler implements ICommandHandler<DeleteBatchCommand, void> {
  constructor(
    private readonly batches: BatchRepository,
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ batchId, removeAssociatedInstances, meta }: DeleteBatchCommand): Promise<void> {
    const { state } = await this.batches.load(batchId);
    if (!state.request || state.status === 'deleted') throw DomainError.notFound('batch');
    if (meta.organizationId && meta.organizationId !== state.request.organizationId)
      throw DomainError.notFound('batch');
    if (removeAssociatedInstances) {
      // Every device the batch has (even one in progress whose devices were just created) and every lock of theirs
      // (on the devices' own subjects) are in the read model once it holds the log as it is now.
      await caughtUpOrUnavailable(this.projection);
      const locked = await this.dataSource
        .getRepository(DeviceRow)
        .createQueryBuilder('d')
        .where('d.batch_id = :batchId', { batchId })
        .andWhere(`d.state <> 'deleted'`)
        .andWhere(deviceIsLocked('d'))
        .orderBy('d.position')
        .getMany();
      if (locked.length)
        throw DomainError.invalid(
          locked.map((d) => `device ${d.hostname} (${d.id}) is locked: unlock it before deleting it with its batch`),
        );
    }
    const result = await this.batches.execute(
      batchId,
      { type: 'DeleteBatch', removeAssociatedInstances },
      { metadata: meta },
    );
    await this.projection.waitFor(result.version);
  }
}
