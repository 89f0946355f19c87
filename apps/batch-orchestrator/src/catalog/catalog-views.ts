import { CapacityLevel } from '@flotilla/contracts';
import { CapacityRow } from '@flotilla/batch-read-model';

export const availableOf = (row: CapacityRow) => Math.max(0, row.total - row.held - row.reserved);

/** `limited` when a fifth or less of the servers are left, as Equinix Metal flagged scarce capacity. */
export function capacityLevel(row: CapacityRow): CapacityLevel {
  const available = availableOf(row);
  if (available === 0) return 'unavailable';
  return available * 5 <= row.total ? 'limited' : 'normal';
}
