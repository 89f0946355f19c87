import { FacilityAllocation } from '@flotilla/contracts';

export interface PlacementRequest {
  facility: string | string[];
  facilityDiversityLevel?: number;
  quantity: number;
  /** Only used to word the error message. */
  plan?: string;
}

export type Allocation = FacilityAllocation;

export type PlacementResult = { ok: true; allocations: Allocation[] } | { ok: false; error: string };

const ANY = 'any';

/**
 * Places an item's quantity across facilities exactly as batch-deployment.md §5 says.
 * 1. Candidates: the list in order without duplicates; `any` expands in its place to every known facility not named
 *    elsewhere, by available descending then code; facilities with nothing available drop out.
 * 2. Without a diversity level: fill candidates greedily in order.
 * 3. With diversity level N: take the lexicographically first set of at most N candidate positions whose total
 *    reaches the quantity, and fill it greedily in candidate order.
 * The search is a preorder walk of those sets that descends only into subtrees an exact bound (the best the
 * remaining slots can still add) says hold a solution, so it never backtracks: O(N × candidates).
 */
export function planPlacement(request: PlacementRequest, available: Record<string, number>): PlacementResult {
  const capacity = normalize(available);
  const named = expandFacilities(request.facility, capacity);
  const candidates = named.filter((code) => (capacity.get(code) ?? 0) > 0);
  const amounts = candidates.map((code) => capacity.get(code) as number);
  const quantity = request.quantity;
  const limit = request.facilityDiversityLevel ?? candidates.length;

  const chosen = firstSufficientSet(amounts, quantity, limit);
  if (!chosen) return { ok: false, error: shortfall(request, named, capacity, limit) };

  const allocations: Allocation[] = [];
  let remaining = quantity;
  for (const position of chosen) {
    if (remaining === 0) break;
    const take = Math.min(amounts[position], remaining);
    allocations.push({ facility: candidates[position], quantity: take });
    remaining -= take;
  }
  return { ok: true, allocations };
}

function normalize(available: Record<string, number>): Map<string, number> {
  const capacity = new Map<string, number>();
  for (const [code, amount] of Object.entries(available)) {
    const key = code.toLowerCase();
    capacity.set(key, Math.max(0, Math.floor(amount)) + (capacity.get(key) ?? 0));
  }
  return capacity;
}

/** The facility list with duplicates removed and `any` expanded in its place (zero-capacity ones still included). */
function expandFacilities(facility: string | string[], capacity: Map<string, number>): string[] {
  const list = (Array.isArray(facility) ? facility : [facility]).map((code) => code.toLowerCase());
  const namedElsewhere = new Set(list.filter((code) => code !== ANY));
  const byAvailability = [...capacity.keys()]
    .filter((code) => !namedElsewhere.has(code))
    .sort((a, b) => (capacity.get(b) as number) - (capacity.get(a) as number) || (a < b ? -1 : a > b ? 1 : 0));
  const seen = new Set<string>();
  const result: string[] = [];
  for (const code of list) {
    for (const candidate of code === ANY ? byAvailability : [code]) {
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      result.push(candidate);
    }
  }
  return result;
}

/** Lexicographically first set of at most `limit` positions whose amounts sum to at least `quantity`. */
function firstSufficientSet(amounts: number[], quantity: number, limit: number): number[] | null {
  const n = amounts.length;
  const slots = Math.min(limit, n);
  if (slots <= 0) return null;
  // best[j][k]: the largest total k positions at or after j can add.
  const best: number[][] = new Array(n + 1);
  best[n] = new Array(slots + 1).fill(0);
  let top: number[] = []; // the `slots` largest amounts at or after j, descending
  for (let j = n - 1; j >= 0; j--) {
    top = insertDescending(top, amounts[j], slots);
    const row = new Array(slots + 1).fill(0);
    for (let k = 1; k <= slots; k++) row[k] = row[k - 1] + (top[k - 1] ?? 0);
    best[j] = row;
  }
  if (best[0][slots] < quantity) return null;

  const chosen: number[] = [];
  let total = 0;
  let next = 0;
  while (total < quantity) {
    const left = slots - chosen.length; // ≥ 1 here: the bound held on entry
    let position = next;
    while (total + amounts[position] + best[position + 1][left - 1] < quantity) position++;
    chosen.push(position);
    total += amounts[position];
    next = position + 1;
  }
  return chosen;
}

function insertDescending(sorted: number[], value: number, keep: number): number[] {
  const result = [...sorted];
  let i = result.findIndex((v) => v < value);
  if (i === -1) i = result.length;
  result.splice(i, 0, value);
  return result.slice(0, keep);
}

function shortfall(request: PlacementRequest, named: string[], capacity: Map<string, number>, limit: number): string {
  const what = `${request.quantity} x ${request.plan ?? 'servers'}`;
  if (named.length === 0) return `not enough capacity for ${what}: no facility to place it in`;
  const largest = [...named].sort((a, b) => (capacity.get(b) ?? 0) - (capacity.get(a) ?? 0))[0];
  const spread = request.facilityDiversityLevel ? ` in at most ${limit} ${limit === 1 ? 'facility' : 'facilities'}` : '';
  return `not enough capacity for ${what}${spread} among ${named.join(', ')} (largest: ${largest} with ${capacity.get(largest) ?? 0})`;
}
