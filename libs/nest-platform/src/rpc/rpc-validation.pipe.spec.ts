import {
  CheckCapacityRequest,
  CheckMetroCapacityRequest,
  CreateBatchesRequest,
  ListDevicesRequest,
} from '@flotilla/contracts';
import { RpcValidationPipe } from './rpc-validation.pipe';
import { RpcFailure } from './rpc-exception.filter';

const PROJECT = '6f1c2f0e-7c55-4a38-9a43-1f9d3c1a2b10';

async function problems(metatype: new () => object, value: unknown): Promise<string[]> {
  try {
    await new RpcValidationPipe().transform(value, { type: 'body', metatype });
  } catch (err) {
    if (err instanceof RpcFailure) return err.error.details ?? [];
    throw err;
  }
  return [];
}

describe('RpcValidationPipe', () => {
  it('says a missing or mistyped array is not an array, and nothing about its size', async () => {
    expect(await problems(CreateBatchesRequest, { projectId: PROJECT })).toEqual(['batches must be an array']);
    expect(await problems(CreateBatchesRequest, { projectId: PROJECT, batches: 'x' })).toEqual([
      'batches must be an array',
    ]);
    expect(await problems(CheckCapacityRequest, {})).toEqual(['servers must be an array']);
  });

  it('tells the size of an array once it is one', async () => {
    expect(await problems(CreateBatchesRequest, { projectId: PROJECT, batches: [] })).toEqual([
      'batches should not be empty',
    ]);
    expect(await problems(CreateBatchesRequest, { projectId: PROJECT, batches: Array(101).fill({}) })).toEqual([
      'batches must hold at most 100 items per call',
    ]);
  });

  it('takes only objects for server requests (an array would pass as a nested value)', async () => {
    for (const server of [[], [[]], [{ facility: 'sjc1', plan: 'x', quantity: 1 }], 1, null, 'x'])
      expect(await problems(CheckCapacityRequest, { servers: [server] })).toContain(
        'each server request must be an object',
      );
  });

  it('takes a null in an optional field as the field left out, and hands the service no null', async () => {
    const request = { projectId: PROJECT, page: null, perPage: null, search: null, facility: 'sjc1' };
    const handed = await new RpcValidationPipe().transform(request, { type: 'body', metatype: ListDevicesRequest });
    expect({ ...(handed as object) }).toEqual({
      projectId: PROJECT,
      page: undefined,
      perPage: undefined,
      search: undefined,
      facility: 'sjc1',
    });
    expect(await problems(ListDevicesRequest, { ...request, page: 0, search: 7 })).toEqual([
      'search must be a string',
      'page must not be less than 1',
    ]);
  });

  it('lists every field that is wrong', async () => {
    expect(await problems(CreateBatchesRequest, { projectId: 'p', batches: 1, commandId: 7 })).toEqual([
      'projectId must be a UUID',
      'batches must be an array',
      'commandId must be a string',
    ]);
  });

  it("takes a capacity check's quantity as Metal's clients send it: a string of digits or a number", async () => {
    const server = { facility: 'sjc1', plan: 'c3.medium.x86' };
    expect(await problems(CheckCapacityRequest, { servers: [{ ...server, quantity: '5' }] })).toEqual([]);
    expect(await problems(CheckMetroCapacityRequest, { servers: [{ metro: 'sv', plan: 'x', quantity: 5 }] })).toEqual(
      [],
    );
    const refused = 'must be an integer from 1 to 1000000 (a number or a string of digits)';
    for (const [i, quantity] of ['0', '1.5', ' 5', '5x', '', 0, 1.5, 1_000_001, '10000000', null].entries())
      expect([i, await problems(CheckCapacityRequest, { servers: [{ ...server, quantity }] })]).toEqual([
        i,
        [`servers.0.quantity ${refused}`],
      ]);
    expect(
      await problems(CheckMetroCapacityRequest, { servers: [{ facility: 'sjc1', plan: 'x', quantity: 1 }] }),
    ).toEqual(['servers.0.metro must be a string']);
    // As Metal's `ServerInfo`, a server request of POST /capacity names a facility or a metro, one of them.
    expect(await problems(CheckCapacityRequest, { servers: [{ metro: 'sv', plan: 'x', quantity: '1' }] })).toEqual([]);
    expect(
      await problems(CheckCapacityRequest, {
        servers: [
          { plan: 'x', quantity: 1 },
          { metro: 'sv', facility: 'sjc1', plan: 'x', quantity: 1 },
        ],
      }),
    ).toEqual(['servers.0.facility (or metro) must be a string', 'servers.1.metro and facility cannot both be given']);
    expect(await problems(CheckCapacityRequest, { servers: Array(101).fill({ ...server, quantity: 1 }) })).toEqual([
      'servers must hold at most 100 per check',
    ]);
    const metroServer = { metro: 'sv', plan: 'x', quantity: 1 };
    expect(await problems(CheckMetroCapacityRequest, { servers: Array(101).fill(metroServer) })).toEqual([
      'servers must hold at most 100 per check',
    ]);
    expect(await problems(CheckMetroCapacityRequest, { servers: [] })).toEqual(['servers should not be empty']);
  });

  it("lists a control character beside the payload's other problems", async () => {
    expect(await problems(CreateBatchesRequest, { projectId: 'p\u0000', batches: 1 })).toEqual([
      'projectId contains a control character or invalid text',
      'projectId must be a UUID',
      'batches must be an array',
    ]);
    expect(await problems(CheckCapacityRequest, { servers: [], note: '\u0007' })).toEqual([
      'note contains a control character or invalid text',
      'servers should not be empty',
    ]);
  });
});
