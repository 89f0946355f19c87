import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { isUUID } from 'class-validator';
import {
  BATCH_ITEMS_PER_CALL,
  BatchSubjects,
  BatchView,
  COMMAND_ID_MAX_CHARS,
  CreateBatchesRequest,
} from '@flotilla/contracts';
import { DirectRoute, RequestMeta } from '@flotilla/nest-platform';
import { CreateBatchesCommand } from './create-batches';

const REQUEST_FIELDS: ReadonlySet<string> = new Set(['projectId', 'batches', 'commandId']);

/**
 * Batch requests, the orchestrator's hottest subject, answered as a direct route: Nest's per-message pipeline (and
 * class-validator on a request whose items the domain checks anyway) were 7% of the orchestrator's time under load.
 * Verification, validation of anything else, counts and replies are the same.
 */
@Injectable()
export class CreateBatchesRoute implements DirectRoute<CreateBatchesRequest> {
  readonly subject = BatchSubjects.createBatches;

  constructor(private readonly commands: CommandBus) {}

  /** `CreateBatchesRequest` exactly, each field valid as its decorators say (the items are the domain's to check). */
  accepts(payload: object): payload is CreateBatchesRequest {
    const { projectId, batches, commandId } = payload as Partial<CreateBatchesRequest>;
    return (
      isUUID(projectId) &&
      Array.isArray(batches) &&
      batches.length > 0 &&
      batches.length <= BATCH_ITEMS_PER_CALL &&
      (commandId === undefined || (typeof commandId === 'string' && commandId.length <= COMMAND_ID_MAX_CHARS)) &&
      Object.keys(payload).every((key) => REQUEST_FIELDS.has(key))
    );
  }

  handle(request: CreateBatchesRequest, meta: RequestMeta): Promise<{ batches: BatchView[] }> {
    return this.commands.execute(new CreateBatchesCommand(request, meta));
  }
}
