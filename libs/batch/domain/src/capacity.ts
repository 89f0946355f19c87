import { CapacityEventVersions, CapacityLimits, DomainEvent } from '@flotilla/events';
import { Decider, DomainError, withId, withoutId } from '@flotilla/decider';
import { Allocation, planPlacement } from './plan-placement';

/**
 * Capacity of one plan across every facility, as one aggregate (`evt.batch.capacity.<plan>`): an item that spans
 * several facilities is reserved in one commit, all or nothing, and optimistic concurrency on this aggregate is
 * what keeps any (facility, plan) from being oversold, whatever the number of workers.
 */
export type CapacityTotalSet = DomainEvent<'CapacityTotalSet', { plan: string; facility: string; total: number }>;
export type CapacityReserved = DomainEvent<
  'CapacityReserved',
  {
    plan: string;
    batchId: string;
    allocations: Allocation[];
    /** Spot items: the prices they were placed at. */ spotPrices: Record<string, number>;
    /** The asker's name for this reservation (absent in commits written before reservations were named). */
    reservation?: string;
  }
>;
export type CapacityReservationRefused = DomainEvent<
  'CapacityReservationRefused',
  { plan: string; batchId: string; reason: string }
>;
/** Reserved servers became live devices. */
export type ReservedCapacityUsed = DomainEvent<
  'ReservedCapacityUsed',
  {
    plan: string;
    batchId: string;
    facility: string;
    count: number;
    /** The devices that hold them (absent in commits written before capacity knew its holders). */
    deviceIds?: string[];
  }
>;
/** What is left of a batch's reservation goes back (failure, or the batch finished). */
export type ReservationReleased = DomainEvent<
  'ReservationReleased',
  { plan: string; batchId: string; allocations: Allocation[] }
>;
/** A live device was deleted. */
export type DeviceCapacityReleased = DomainEvent<
  'DeviceCapacityReleased',
  {
    plan: string;
    facility: string;
    count: number;
    /** The device that held it (absent in commits written before capacity knew its holders). */
    deviceId?: string;
  }
>;

export type CapacityEvent =
  | CapacityTotalSet
  | CapacityReserved
  | CapacityReservationRefused
  | ReservedCapacityUsed
  | ReservationReleased
  | DeviceCapacityReleased;
/** Every capacity event type is in the stream's schema (a reader refuses a type it does not list). */
export const capacityEventVersions: Record<CapacityEvent['type'], number> = CapacityEventVersions;

export type CapacityCommand =
  | { type: 'SetCapacityTotal'; facility: string; total: number }
  | {
      type: 'ReserveCapacity';
      batchId: string;
      facility: string | string[];
      /** The only facilities `any` may choose among (a metro's); absent: every facility. */
      within?: string[];
      facilityDiversityLevel?: number;
      quantity: number;
      /** Spot items: only facilities whose price is at most the bid count. */
      spot?: { maxPrice: number; prices: Record<string, number> };
      /** A name for the reservation, unique to this asking: the batch records the one it is placed with. */
      reservation?: string;
    }
  | { type: 'SeedCapacityTotals'; totals: Record<string, number> }
  /**
   * The batch is over: its live devices (by facility) now hold their servers, the rest of its reservation goes back.
   * `reservation` names the one the batch was placed with: a standing reservation of another name was made for a
   * batch already placed (a second run of it) and goes back whole.
   */
  | { type: 'SettleReservation'; batchId: string; live: Record<string, string[]>; reservation?: string }
  /** A live device was deleted: its server goes back, once however often this is asked. */
  | { type: 'ReleaseDeviceCapacity'; facility: string; deviceId: string };

/** The shape of `CapacityState` as snapshots keep it: raise it with any change to the type. */
export const capacityStateFormat = 2;

export interface CapacityState {
  plan: string | null;
  totals: Record<string, number>;
  /** Servers held by live devices, per facility. */
  held: Record<string, number>;
  /**
   * The live devices that hold them, per facility, in `HOLDER_BUCKETS` buckets by a hash of their ids (so giving one
   * back copies a bucket, not every holder of a big facility). A device's server goes back only while it holds one,
   * so a release asked for twice gives back one server; the devices deleted are not remembered, so this is bounded by
   * the plan's size.
   */
  holders: Record<string, string[][]>;
  /** Servers per facility held by devices of commits written before capacity named its holders (part of `held`). */
  unnamed: Record<string, number>;
  /**
   * Devices given back from the unnamed holdings: remembered while any such holding is left, as until then a release
   * asked for twice could not be told from the first.
   */
  releasedUnnamed: Record<string, true>;
  /** Reservations of batches in flight, by batch id (an id record); a batch's goes when it is settled. */
  reservations: Record<string, Reservation>;
  /** Servers per facility that the reservations above still hold: their `remaining`, summed. */
  reserved: Record<string, number>;
}

export interface Reservation {
  allocations: Allocation[];
  /** Spot items: the prices they were placed at. */
  spotPrices: Record<string, number>;
  /** Reserved servers per facility not yet held by live devices. */
  remaining: Record<string, number>;
  /** The name its asker gave it (absent for one made before reservations were named). */
  reservation?: string;
}

export type ReservationOutcome =
  | { ok: true; allocations: Allocation[]; spotPrices: Record<string, number>; reservation?: string }
  | { ok: false; reason: string };

export const initialCapacityState = (): CapacityState => ({
  plan: null,
  totals: {},
  held: {},
  holders: {},
  unnamed: {},
  releasedUnnamed: {},
  reservations: {},
  reserved: {},
});

const HOLDER_BUCKETS = 128;

/** FNV-1a of the id, to a bucket. */
function bucketOf(deviceId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) hash = Math.imul(hash ^ deviceId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % HOLDER_BUCKETS;
}

/** Whether the device holds one of the facility's servers, as capacity knows by name. */
export function holdsServer(state: CapacityState, facility: string, deviceId: string): boolean {
  return state.holders[facility]?.[bucketOf(deviceId)].includes(deviceId) ?? false;
}

/** The devices holding each facility's servers as capacity knows them by name, sorted: the buckets are storage. */
export function holdersOf(state: CapacityState): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(state.holders).map(([facility, buckets]) => [facility, buckets.flat().sort()]),
  );
}

/**
 * How a batch's reservation was answered: by the events of the command that asked, or, when the batch asked again
 * while its reservation stands, by that reservation. Null once it is settled.
 */
export function reservationOutcome(
  state: CapacityState,
  batchId: string,
  events: readonly CapacityEvent[],
): ReservationOutcome | null {
  const refused = events.find(
    (e): e is CapacityReservationRefused => e.type === 'CapacityReservationRefused' && e.data.batchId === batchId,
  );
  if (refused) return { ok: false, reason: refused.data.reason };
  const reservation = state.reservations[batchId];
  if (!reservation) return null;
  const { allocations, spotPrices, reservation: name } = reservation;
  return { ok: true, allocations, spotPrices, reservation: name };
}

/** Servers of a facility held by live devices or reserved by batches in flight. */
export function usedCapacity(state: CapacityState, facility: string): number {
  return (state.held[facility] ?? 0) + (state.reserved[facility] ?? 0);
}

/** `totals` with `delta` servers added per facility (negative to take away). */
function adding(totals: Record<string, number>, delta: Record<string, number>, sign: 1 | -1): Record<string, number> {
  const next = { ...totals };
  for (const facility in delta) next[facility] = (next[facility] ?? 0) + sign * delta[facility];
  return next;
}

export function availableCapacity(state: CapacityState): Record<string, number> {
  const available: Record<string, number> = {};
  for (const facility in state.totals)
    available[facility] = Math.max(0, state.totals[facility] - usedCapacity(state, facility));
  return available;
}

/** Why `any` found nothing within a spot bid: the facilities with room that the bid rules out, and the cheapest. */
function unnamedBeyondBid(
  facilities: string[],
  { maxPrice, prices }: { maxPrice: number; prices: Record<string, number> },
) {
  if (!facilities.length) return '';
  const [cheapest] = facilities
    .filter((f) => prices[f] !== undefined)
    .sort((a, b) => prices[a] - prices[b] || (a < b ? -1 : 1));
  const some = facilities.length === 1 ? 'the 1 facility' : `the ${facilities.length} facilities`;
  return cheapest === undefined
    ? `; ${some} with room ${facilities.length === 1 ? 'has' : 'have'} no spot price`
    : `; spot prices of ${some} with room are above spot_price_max ${maxPrice} or not set (cheapest: ${cheapest} at ${prices[cheapest]})`;
}

export function capacityDecider(plan: string): Decider<CapacityCommand, CapacityState, CapacityEvent> {
  return {
    initialState: initialCapacityState,
    evolve: evolveCapacity,
    decide(command, state) {
      switch (command.type) {
        case 'SetCapacityTotal': {
          const inUse = usedCapacity(state, command.facility);
          if (!Number.isInteger(command.total) || command.total < 0 || command.total > CapacityLimits.total)
            throw DomainError.invalid([`total must be an integer from 0 to ${CapacityLimits.total}`]);
          if (command.total < inUse)
            throw DomainError.conflict(
              `cannot lower ${command.facility} below the ${inUse} servers in use or reserved`,
            );
          return [{ type: 'CapacityTotalSet', data: { plan, facility: command.facility, total: command.total } }];
        }
        case 'ReserveCapacity': {
          if (state.reservations[command.batchId]) return [];
          let available = availableCapacity(state);
          if (command.within) {
            const within = new Set(command.within);
            available = Object.fromEntries(Object.entries(available).filter(([f]) => within.has(f)));
          }
          const spotPrices: Record<string, number> = {};
          let spotNote = '';
          if (command.spot) {
            const { maxPrice, prices } = command.spot;
            const tooDear = new Set(Object.keys(available).filter((f) => !(prices[f] <= maxPrice)));
            for (const f of Object.keys(available)) if (prices[f] !== undefined) spotPrices[f] = prices[f];
            const list = Array.isArray(command.facility) ? command.facility : [command.facility];
            const named = list.filter((f) => f !== 'any');
            const priced = named.filter((f) => tooDear.has(f) && prices[f] !== undefined);
            if (priced.length)
              spotNote = `; spot price ${priced.map((f) => `in ${f} is ${prices[f]}`).join(', ')}, above spot_price_max ${maxPrice}`;
            else if (list.includes('any'))
              spotNote = unnamedBeyondBid(
                [...tooDear].filter((f) => available[f] > 0 && !named.includes(f)),
                command.spot,
              );
            available = Object.fromEntries(Object.entries(available).map(([f, n]) => [f, tooDear.has(f) ? 0 : n]));
          }
          const metroNote = command.within ? ` (in its metro: ${command.within.join(', ') || 'no facilities'})` : '';
          const placement = planPlacement({ ...command, plan }, available);
          if (!placement.ok) {
            return [
              {
                type: 'CapacityReservationRefused',
                data: { plan, batchId: command.batchId, reason: placement.error + metroNote + spotNote },
              },
            ];
          }
          const pricesUsed = Object.fromEntries(
            placement.allocations.map((a) => [a.facility, spotPrices[a.facility]]).filter(([, p]) => p !== undefined),
          );
          const { batchId, reservation } = command;
          return [
            {
              type: 'CapacityReserved',
              data: {
                plan,
                batchId,
                allocations: placement.allocations,
                spotPrices: pricesUsed,
                reservation,
              },
            },
          ];
        }
        case 'SeedCapacityTotals':
          if (Object.keys(state.totals).length > 0) return [];
          return Object.entries(command.totals).map(([facility, total]) => ({
            type: 'CapacityTotalSet' as const,
            data: { plan, facility, total },
          }));
        case 'SettleReservation': {
          const standing = state.reservations[command.batchId];
          if (!standing) return [];
          const reserved = standing.remaining;
          // Made for a batch already placed with another one (whose servers it settled): none of it is in use.
          const stray =
            command.reservation !== undefined &&
            standing.reservation !== undefined &&
            command.reservation !== standing.reservation;
          const live = stray ? {} : command.live;
          const events: CapacityEvent[] = [];
          for (const [facility, deviceIds] of Object.entries(live)) {
            if (deviceIds.length > (reserved[facility] ?? 0))
              throw DomainError.conflict(
                `batch ${command.batchId} has only ${reserved[facility] ?? 0} servers reserved in ${facility}`,
              );
            if (deviceIds.length > 0)
              events.push({
                type: 'ReservedCapacityUsed',
                data: { plan, batchId: command.batchId, facility, count: deviceIds.length, deviceIds },
              });
          }
          const left = Object.entries(reserved)
            .map(([facility, quantity]) => ({ facility, quantity: quantity - (live[facility]?.length ?? 0) }))
            .filter((a) => a.quantity > 0);
          events.push({ type: 'ReservationReleased', data: { plan, batchId: command.batchId, allocations: left } });
          return events;
        }
        case 'ReleaseDeviceCapacity': {
          const { facility, deviceId } = command;
          const holds =
            holdsServer(state, facility, deviceId) ||
            (!state.releasedUnnamed[deviceId] && (state.unnamed[facility] ?? 0) > 0);
          return holds ? [{ type: 'DeviceCapacityReleased', data: { plan, facility, count: 1, deviceId } }] : [];
        }
      }
    },
  };
}

export function evolveCapacity(state: CapacityState, event: CapacityEvent): CapacityState {
  switch (event.type) {
    case 'CapacityTotalSet':
      return { ...state, plan: event.data.plan, totals: { ...state.totals, [event.data.facility]: event.data.total } };
    case 'CapacityReserved': {
      const { batchId, allocations, spotPrices, reservation } = event.data;
      const remaining = Object.fromEntries(allocations.map((a) => [a.facility, a.quantity]));
      const standing: Reservation = { allocations, spotPrices, remaining, reservation };
      return {
        ...state,
        reservations: withId(state.reservations, batchId, standing),
        reserved: adding(state.reserved, remaining, 1),
      };
    }
    case 'CapacityReservationRefused':
      return state;
    case 'ReservedCapacityUsed': {
      const { batchId, facility, count, deviceIds } = event.data;
      const reservation = state.reservations[batchId];
      return {
        ...state,
        ...(deviceIds
          ? { holders: { ...state.holders, [facility]: holding(state.holders[facility], deviceIds) } }
          : { unnamed: adding(state.unnamed, { [facility]: count }, 1) }),
        reservations: withId(state.reservations, batchId, {
          ...reservation,
          remaining: { ...reservation.remaining, [facility]: (reservation.remaining[facility] ?? 0) - count },
        }),
        held: { ...state.held, [facility]: (state.held[facility] ?? 0) + count },
        reserved: adding(state.reserved, { [facility]: count }, -1),
      };
    }
    case 'ReservationReleased': {
      const released = state.reservations[event.data.batchId];
      return {
        ...state,
        reservations: withoutId(state.reservations, event.data.batchId),
        reserved: released ? adding(state.reserved, released.remaining, -1) : state.reserved,
      };
    }
    case 'DeviceCapacityReleased': {
      const { facility, count, deviceId } = event.data;
      const next = { ...state, held: adding(state.held, { [facility]: count }, -1) };
      if (deviceId !== undefined && holdsServer(state, facility, deviceId)) {
        const buckets = state.holders[facility].slice();
        const bucket = bucketOf(deviceId);
        buckets[bucket] = buckets[bucket].filter((id) => id !== deviceId);
        return { ...next, holders: { ...state.holders, [facility]: buckets } };
      }
      // One of the unnamed holdings (a release of before named no device). Once none is left anywhere, no release
      // can be of one, and the devices given back need not be remembered.
      const unnamed = { ...state.unnamed, [facility]: Math.max(0, (state.unnamed[facility] ?? 0) - count) };
      const left = Object.values(unnamed).some((n) => n > 0);
      const releasedUnnamed = !left
        ? {}
        : deviceId === undefined
          ? state.releasedUnnamed
          : withId(state.releasedUnnamed, deviceId, true as const);
      return { ...next, unnamed, releasedUnnamed };
    }
  }
}

/** A facility's holders with these devices added, each bucket they go into copied once. */
function holding(holders: string[][] | undefined, deviceIds: string[]): string[][] {
  const next = holders ? holders.slice() : Array.from({ length: HOLDER_BUCKETS }, (): string[] => []);
  const copied = new Set<number>();
  for (const id of deviceIds) {
    const bucket = bucketOf(id);
    if (!copied.has(bucket)) {
      next[bucket] = next[bucket].slice();
      copied.add(bucket);
    }
    next[bucket].push(id);
  }
  return next;
}
