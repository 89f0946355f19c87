import 'reflect-metadata';
import { CommandBus } from '@nestjs/cqrs';
import { BATCH_ITEMS_PER_CALL, COMMAND_ID_MAX_CHARS, CreateBatchesRequest } from '@flotilla/contracts';
import { RpcValidationPipe } from '@flotilla/nest-platform';
import { expectAcceptsOnlyWhatValidationPasses } from '@flotilla/testing';
import { CreateBatchesRoute } from './create-batches.route';

describe('the batch request route', () => {
  const route = new CreateBatchesRoute({} as CommandBus);
  const projectId = '6f1e3c1a-58a4-4b8e-9a51-3f1c2d4e5f60';
  const item = { plan: 'c3.small.x86', operating_system: 'ubuntu_22_04', facility: ['any'], quantity: 2 };
  const longest = 'c'.repeat(COMMAND_ID_MAX_CHARS);

  it('accepts only what the validation pipe would pass unchanged', async () => {
    await expectAcceptsOnlyWhatValidationPasses(route, new RpcValidationPipe(), CreateBatchesRequest, {
      plain: [
        { projectId, batches: [item] },
        { projectId, batches: [item, { anything: 'the domain checks items' }], commandId: 'retry-1' },
        { projectId, batches: Array(BATCH_ITEMS_PER_CALL).fill(item), commandId: longest },
      ],
      reshaped: [
        { projectId, batches: [item], extra: 1 },
        { projectId, batches: [item], constructor: 1 }, // a field named as an object's own property is a field too
        { projectId, batches: [item], commandId: null },
      ],
      invalid: [
        { projectId: 'not-a-uuid', batches: [item] },
        { projectId: projectId.toUpperCase().replace('4B8E', '0B8E'), batches: [item] },
        { batches: [item] },
        { projectId, batches: [] },
        { projectId, batches: Array(BATCH_ITEMS_PER_CALL + 1).fill(item) },
        { projectId, batches: item },
        { projectId, batches: [item], commandId: `${longest}c` },
        { projectId, batches: [item], commandId: 7 },
      ],
    });
  });
});
