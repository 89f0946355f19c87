import { BatchSubjects } from '@flotilla/contracts';
import { goal, Scenario } from '../measure';
import { defineOneFacility, startBatchFleet } from './batch-fleet';

/** performance.md `big-batch`: one item of quantity 10,000, until completed and visible in the read model. */
export const bigBatch: Scenario = {
  name: 'big-batch',
  description: 'one item of 10,000 servers: request → completed in the read model (target ≤ 3 s)',
  async run(context) {
    const quantity = Math.max(100, Math.round(10_000 * context.scale));
    const fleet = await startBatchFleet(context, { BATCH_MAX_ITEM_QUANTITY: String(quantity) });
    try {
      await defineOneFacility(fleet, 'big', quantity);
      context.progress(`one batch of ${quantity}`);
      const start = performance.now();
      const { batches } = await fleet.request<{ batches: { id: string }[] }>(BatchSubjects.createBatches, {
        projectId: fleet.projectId,
        batches: [
          { plan: 'big.plan', operating_system: 'big_os', facility: 'big1', quantity, hostname: 'node{{index}}' },
        ],
      });
      let state = 'queued';
      let devices = 0;
      while (state !== 'completed' && state !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const batch = await fleet.request<{ state: string; devices: unknown[] }>(BatchSubjects.getBatch, {
          batchId: batches[0].id,
        });
        state = batch.state;
        devices = batch.devices.length;
      }
      const seconds = (performance.now() - start) / 1000;
      if (state !== 'completed' || devices !== quantity)
        throw new Error(`big batch ended ${state} with ${devices} devices`);
      return [
        {
          name: `${quantity} servers: request → completed in the read model`,
          value: seconds * 1000,
          unit: 'ms',
          ...goal('≤ 3 s', seconds <= 3),
        },
        { name: 'devices created', value: quantity / seconds, unit: 'devices/s' },
      ];
    } finally {
      await fleet.close();
    }
  },
};
