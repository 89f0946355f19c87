import { FacilityAllocation } from '@flotilla/events';

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
  for (const code in available) {
    const key = code.toLowerCase();
    capacity.set(key, Math.max(0, Math.floor(available[code])) + (capacity.get(key) ?? 0));
  }
  return capacity;
}

/** Facilities with something available, by available descending then code: by buckets, as amounts often tie. */
function byAvailability(capacity: Map<string, number>, excluded: Set<string>): string[] {
  const buckets = new Map<number, string[]>();
  for (const [code, amount] of capacity) {
    if (amount <= 0 || excluded.has(code)) continue;
    const bucket = buckets.get(amount);
    if (bucket) bucket.push(code);
    else buckets.set(amount, [code]);
  }
  const ordered: string[] = [];
  for (const amount of [...buckets.keys()].sort((a, b) => b - a)) {
    const codes = buckets.get(amount) as string[];
    if (codes.length > 1) codes.sort();
    for (const code of codes) ordered.push(code);
  }
  return ordered;
}

/**
 * The facility list with duplicates removed and `any` expanded in its place (named zero-capacity ones still included).
 */
function expandFacilities(facility: string | string[], capacity: Map<string, number>): string[] {
  const list = (Array.isArray(facility) ? facility : [facility]).map((code) => code.toLowerCase());
  const namedElsewhere = new Set(list.filter((code) => code !== ANY));
  const anyExpanded = list.includes(ANY) ? byAvailability(capacity, namedElsewhere) : [];
  const seen = new Set<string>();
  const result: string[] = [];
  for (const code of list) {
    for (const candidate of code === ANY ? anyExpanded : [code]) {
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
  if (slots === n) return greedyPrefix(amounts, quantity);
  // best[j * width + k]: the largest total k positions at or after j can add (k ≤ slots).
  const width = slots + 1;
  const best = new Float64Array((n + 1) * width);
  const top = new Float64Array(slots); // the `slots` largest amounts at or after j, descending
  let held = 0;
  for (let j = n - 1; j >= 0; j--) {
    let i = Math.min(held, slots - 1);
    if (held < slots) held++;
    else if (amounts[j] <= top[slots - 1]) i = -1;
    if (i >= 0) {
      while (i > 0 && top[i - 1] < amounts[j]) {
        top[i] = top[i - 1];
        i--;
      }
      top[i] = amounts[j];
    }
    for (let k = 1; k <= slots; k++) best[j * width + k] = best[j * width + k - 1] + (k <= held ? top[k - 1] : 0);
  }
  if (best[slots] < quantity) return null;

  const chosen: number[] = [];
  let total = 0;
  let next = 0;
  while (total < quantity) {
    const left = slots - chosen.length; // ≥ 1 here: the bound held on entry
    let position = next;
    while (total + amounts[position] + best[(position + 1) * width + left - 1] < quantity) position++;
    chosen.push(position);
    total += amounts[position];
    next = position + 1;
  }
  return chosen;
}

/**
 * With no limit on the number of facilities the first sufficient set is the shortest prefix that reaches `quantity`.
 */
function greedyPrefix(amounts: number[], quantity: number): number[] | null {
  const chosen: number[] = [];
  let total = 0;
  for (let position = 0; position < amounts.length && total < quantity; position++) {
    chosen.push(position);
    total += amounts[position];
  }
  return total >= quantity ? chosen : null;
}

function shortfall(request: PlacementRequest, named: string[], capacity: Map<string, number>, limit: number): string {
  const what = `${request.quantity} x ${request.plan ?? 'servers'}`;
  if (named.length === 0) return `not enough capacity for ${what}: no facility to place it in`;
  const largest = [...named].sort((a, b) => (capacity.get(b) ?? 0) - (capacity.get(a) ?? 0))[0];
  const spread = request.facilityDiversityLevel
    ? ` in at most ${limit} ${limit === 1 ? 'facility' : 'facilities'}`
    : '';
  return `not enough capacity for ${what}${spread} among ${named.join(', ')} (largest: ${largest} with ${capacity.get(largest) ?? 0})`;
}
