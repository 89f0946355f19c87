import { createHash } from 'node:crypto';
import { BatchEvent, RequestedItem } from '@flotilla/contracts';
import { Decider, DomainError } from '@flotilla/decider';

export type BatchStatus = 'absent' | 'queued' | 'in_progress' | 'completed' | 'failed' | 'deleted';

export interface BatchState {
  status: BatchStatus;
  quantity: number;
  allocations: { facility: string; quantity: number }[] | null;
}

export type BatchCommand =
  | { type: 'RequestBatch'; batchId: string; projectId: string; organizationId: string; item: RequestedItem; hostname: string | null; hostnames: string[] | null }
  | { type: 'StartBatch'; batchId: string }
  | { type: 'RecordPlacement'; batchId: string; allocations: { facility: string; quantity: number }[] }
  | { type: 'CompleteBatch'; batchId: string; deviceIds: string[] }
  | { type: 'FailBatch'; batchId: string; errorMessages: string[]; deviceIds: string[] }
  | { type: 'DeleteBatch'; batchId: string; removeAssociatedInstances: boolean };

/**
 * The id of the i-th device of a batch, the same on every attempt: a worker that crashes and runs again appends to
 * the same device subject with expected version 0, so no device is ever created twice.
 */
export function deviceIdFor(batchId: string, index: number): string {
  const hex = createHash('sha256').update(`${batchId}/${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const TERMINAL: BatchStatus[] = ['completed', 'failed', 'deleted'];

export const batchDecider: Decider<BatchCommand, BatchState, BatchEvent> = {
  initialState: () => ({ status: 'absent', quantity: 0, allocations: null }),

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'RequestBatch') {
      if (state.status !== 'absent') throw DomainError.conflict('batch already exists');
      const { type: _type, ...data } = command;
      return [{ type: 'BatchRequested', data: { ...data, requestedAt: at } }];
    }
    if (state.status === 'absent' || state.status === 'deleted') throw DomainError.notFound('batch');
    switch (command.type) {
      case 'StartBatch':
        return state.status === 'queued' ? [{ type: 'BatchStarted', data: { batchId: command.batchId, startedAt: at } }] : [];
      case 'RecordPlacement':
        if (state.status !== 'in_progress' || state.allocations) return [];
        return [{ type: 'BatchPlaced', data: { batchId: command.batchId, allocations: command.allocations } }];
      case 'CompleteBatch':
        if (TERMINAL.includes(state.status)) return [];
        if (command.deviceIds.length !== state.quantity) {
          throw DomainError.conflict(`batch of ${state.quantity} cannot complete with ${command.deviceIds.length} devices`);
        }
        return [{ type: 'BatchCompleted', data: { batchId: command.batchId, deviceIds: command.deviceIds, completedAt: at } }];
      case 'FailBatch':
        if (TERMINAL.includes(state.status)) return [];
        return [{ type: 'BatchFailed', data: { batchId: command.batchId, errorMessages: command.errorMessages, deviceIds: command.deviceIds, failedAt: at } }];
      case 'DeleteBatch':
        return [{ type: 'BatchDeleted', data: { batchId: command.batchId, removeAssociatedInstances: command.removeAssociatedInstances, deletedAt: at } }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'BatchRequested':
        return { status: 'queued', quantity: event.data.item.quantity, allocations: null };
      case 'BatchStarted':
        return { ...state, status: 'in_progress' };
      case 'BatchPlaced':
        return { ...state, allocations: event.data.allocations };
      case 'BatchCompleted':
        return { ...state, status: 'completed' };
      case 'BatchFailed':
        return { ...state, status: 'failed' };
      case 'BatchDeleted':
        return { ...state, status: 'deleted' };
    }
  },
};
