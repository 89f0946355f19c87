import 'reflect-metadata';
import { CommandBus } from '@nestjs/cqrs';
import { CreateBatchesRequest } from '@flotilla/contracts';
import { RpcValidationPipe } from '@flotilla/nest-platform';
import { CreateBatchesRoute } from './create-batches.route';

describe('the batch request route', () => {
  const route = new CreateBatchesRoute({} as CommandBus);
  const validate = (payload: object): Promise<{ valid?: object; problems?: string[] }> =>
    new RpcValidationPipe().transform(payload, { type: 'body', metatype: CreateBatchesRequest }).then(
      (valid) => ({ valid: { ...(valid as object) } }),
      (err: { error?: { details?: string[] } }) => ({ problems: err.error?.details }),
    );
  const projectId = '6f1e3c1a-58a4-4b8e-9a51-3f1c2d4e5f60';
  const item = { plan: 'c3.small.x86', operating_system: 'ubuntu_22_04', facility: ['any'], quantity: 2 };

  it('accepts only what the validation pipe would pass unchanged', async () => {
    const plain = [
      { projectId, batches: [item] },
      { projectId, batches: [item, { anything: 'the domain checks items' }], commandId: 'retry-1' },
      { projectId, batches: Array(100).fill(item), commandId: 'c'.repeat(64) },
    ];
    // Valid, but not as they are (a field stripped, null for an optional field): validated in full.
    const reshaped: object[] = [
      { projectId, batches: [item], extra: 1 },
      { projectId, batches: [item], constructor: 1 }, // a field named as an object's own property is a field too
      { projectId, batches: [item], commandId: null },
    ];
    const invalid = [
      { projectId: 'not-a-uuid', batches: [item] },
      { projectId: projectId.toUpperCase().replace('4B8E', '0B8E'), batches: [item] },
      { batches: [item] },
      { projectId, batches: [] },
      { projectId, batches: Array(101).fill(item) },
      { projectId, batches: item },
      { projectId, batches: [item], commandId: 'c'.repeat(65) },
      { projectId, batches: [item], commandId: 7 },
    ];
    for (const payload of plain) {
      expect(route.accepts(payload)).toBe(true);
      expect(await validate(payload)).toEqual({ valid: payload });
    }
    for (const payload of reshaped) {
      expect(route.accepts(payload)).toBe(false);
      expect(await validate(payload)).toHaveProperty('valid');
    }
    for (const payload of invalid) {
      expect(route.accepts(payload)).toBe(false);
      expect((await validate(payload)).problems?.length).toBeGreaterThan(0);
    }
  });
});
