import { CapacityLimits } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import { availableCapacity, CapacityEvent, capacityDecider, holdsServer } from './capacity';

const plan = 'c1.small.x86';
const decider = capacityDecider(plan);
const spec = deciderSpecification(decider);
const total = (facility: string, n: number): CapacityEvent => ({
  type: 'CapacityTotalSet',
  data: { plan, facility, total: n },
});
const seed = [total('sjc1', 7), total('ewr1', 24), total('dfw1', 50)];

describe('capacity decider', () => {
  it('reserves a whole item at once, placed as §5 says', () => {
    spec
      .given(seed)
      .when({
        type: 'ReserveCapacity',
        batchId: 'b1',
        facility: ['sjc1', 'ewr1', 'any'],
        facilityDiversityLevel: 2,
        quantity: 25,
      })
      .then([
        {
          type: 'CapacityReserved',
          data: {
            plan,
            batchId: 'b1',
            allocations: [
              { facility: 'sjc1', quantity: 7 },
              { facility: 'ewr1', quantity: 18 },
            ],
            spotPrices: {},
          },
        },
      ]);
  });

  it("places a metro's item as `any` among the metro's facilities only, by the same rules", () => {
    const metro = { type: 'ReserveCapacity' as const, facility: ['any'], within: ['sjc1', 'ewr1'], quantity: 30 };
    spec
      .given(seed)
      .when({ ...metro, batchId: 'b1' })
      .then([
        {
          type: 'CapacityReserved',
          data: {
            plan,
            batchId: 'b1',
            allocations: [
              { facility: 'ewr1', quantity: 24 },
              { facility: 'sjc1', quantity: 6 },
            ],
            spotPrices: {},
          },
        },
      ]);
    // dfw1 has 50, but it is not in the metro.
    spec
      .given(seed)
      .when({ ...metro, batchId: 'b2', quantity: 32 })
      .then([
        {
          type: 'CapacityReservationRefused',
          data: {
            plan,
            batchId: 'b2',
            reason: expect.stringMatching(/among ewr1, sjc1 \(largest: ewr1 with 24\) \(in its metro: sjc1, ewr1\)$/),
          },
        },
      ]);
  });

  it('counts reservations and live devices against the total, so nothing is oversold', () => {
    const reserved: CapacityEvent = {
      type: 'CapacityReserved',
      data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 20 }], spotPrices: {} },
    };
    const used: CapacityEvent = {
      type: 'ReservedCapacityUsed',
      data: { plan, batchId: 'b1', facility: 'ewr1', count: 20 },
    };
    spec
      .given([...seed, reserved, used])
      .when({ type: 'ReserveCapacity', batchId: 'b2', facility: 'ewr1', quantity: 5 })
      .then([
        {
          type: 'CapacityReservationRefused',
          data: {
            plan,
            batchId: 'b2',
            reason: 'not enough capacity for 5 x c1.small.x86 among ewr1 (largest: ewr1 with 4)',
          },
        },
      ]);
    expect(availableCapacity(spec.fold([...seed, reserved, used]))).toEqual({ sjc1: 7, ewr1: 4, dfw1: 50 });
    // Part used, part given back: only the live devices still count.
    const partly: CapacityEvent = { ...used, data: { ...used.data, count: 12 } };
    const released: CapacityEvent = {
      type: 'ReservationReleased',
      data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 8 }] },
    };
    expect(availableCapacity(spec.fold([...seed, reserved]))).toEqual({ sjc1: 7, ewr1: 4, dfw1: 50 });
    expect(availableCapacity(spec.fold([...seed, reserved, partly]))).toEqual({ sjc1: 7, ewr1: 4, dfw1: 50 });
    expect(availableCapacity(spec.fold([...seed, reserved, partly, released]))).toEqual({
      sjc1: 7,
      ewr1: 12,
      dfw1: 50,
    });
  });

  it('answers a repeated reservation of the same batch with nothing new', () => {
    spec
      .given([
        ...seed,
        {
          type: 'CapacityReserved',
          data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 1 }], spotPrices: {} },
        },
      ])
      .when({ type: 'ReserveCapacity', batchId: 'b1', facility: 'ewr1', quantity: 1 })
      .thenNothingHappened();
  });

  it('only uses facilities whose spot price is within the bid, and says why', () => {
    spec
      .given(seed)
      .when({
        type: 'ReserveCapacity',
        batchId: 'b1',
        facility: 'ewr1',
        quantity: 1,
        spot: { maxPrice: 0.2, prices: { ewr1: 0.35, sjc1: 0.1, dfw1: 0.1 } },
      })
      .then([
        {
          type: 'CapacityReservationRefused',
          data: {
            plan,
            batchId: 'b1',
            reason:
              'not enough capacity for 1 x c1.small.x86 among ewr1 (largest: ewr1 with 0); spot price in ewr1 is 0.35, above spot_price_max 0.2',
          },
        },
      ]);
    spec
      .given(seed)
      .when({
        type: 'ReserveCapacity',
        batchId: 'b1',
        facility: 'any',
        quantity: 57,
        spot: { maxPrice: 0.2, prices: { ewr1: 0.35, sjc1: 0.1, dfw1: 0.1 } },
      })
      .then([
        {
          type: 'CapacityReserved',
          data: {
            plan,
            batchId: 'b1',
            allocations: [
              { facility: 'dfw1', quantity: 50 },
              { facility: 'sjc1', quantity: 7 },
            ],
            spotPrices: { dfw1: 0.1, sjc1: 0.1 },
          },
        },
      ]);
  });

  it('says why `any` found nothing within a spot bid', () => {
    const refused = (maxPrice: number, prices: Record<string, number>, why: string) =>
      spec
        .given(seed)
        .when({ type: 'ReserveCapacity', batchId: 'b1', facility: ['any'], quantity: 1, spot: { maxPrice, prices } })
        .then([
          {
            type: 'CapacityReservationRefused',
            data: {
              plan,
              batchId: 'b1',
              reason: `not enough capacity for 1 x c1.small.x86: no facility to place it in; ${why}`,
            },
          },
        ]);
    refused(
      0.01,
      { ewr1: 0.35, sjc1: 0.15, dfw1: 0.1 },
      'spot prices of the 3 facilities with room are above spot_price_max 0.01 or not set (cheapest: dfw1 at 0.1)',
    );
    refused(0.5, {}, 'the 3 facilities with room have no spot price');
  });

  it('settles a finished batch: its live devices hold their servers, the rest goes back, in one commit', () => {
    const reserved: CapacityEvent = {
      type: 'CapacityReserved',
      data: {
        plan,
        batchId: 'b1',
        allocations: [
          { facility: 'ewr1', quantity: 3 },
          { facility: 'dfw1', quantity: 2 },
        ],
        spotPrices: {},
      },
    };
    spec
      .given([...seed, reserved])
      .when({ type: 'SettleReservation', batchId: 'b1', live: { ewr1: ['d1', 'd2', 'd3'], dfw1: ['d4'] } })
      .then([
        {
          type: 'ReservedCapacityUsed',
          data: { plan, batchId: 'b1', facility: 'ewr1', count: 3, deviceIds: ['d1', 'd2', 'd3'] },
        },
        { type: 'ReservedCapacityUsed', data: { plan, batchId: 'b1', facility: 'dfw1', count: 1, deviceIds: ['d4'] } },
        {
          type: 'ReservationReleased',
          data: { plan, batchId: 'b1', allocations: [{ facility: 'dfw1', quantity: 1 }] },
        },
      ]);
    const settled = spec.fold([
      ...seed,
      reserved,
      ...spec.decide(
        { type: 'SettleReservation', batchId: 'b1', live: { ewr1: ['d1', 'd2', 'd3'], dfw1: ['d4'] } },
        spec.fold([...seed, reserved]),
      ),
    ]);
    expect(availableCapacity(settled)).toEqual({ sjc1: 7, ewr1: 21, dfw1: 49 });
    expect(spec.decide({ type: 'SettleReservation', batchId: 'b1', live: { ewr1: ['d1'] } }, settled)).toEqual([]);
  });

  it('gives back whole a reservation made again for a batch already placed with another one, holding nothing', () => {
    // The batch was placed with r1, whose servers its devices hold; a second run of it, which saw it unplaced, asked
    // again once r1 was settled, and r2 was made.
    const placedWith = (reservation: string): CapacityEvent => ({
      type: 'CapacityReserved',
      data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {}, reservation },
    });
    const settledR1: CapacityEvent[] = [
      placedWith('r1'),
      {
        type: 'ReservedCapacityUsed',
        data: { plan, batchId: 'b1', facility: 'ewr1', count: 2, deviceIds: ['d1', 'd2'] },
      },
      { type: 'ReservationReleased', data: { plan, batchId: 'b1', allocations: [] } },
    ];
    spec
      .given([...seed, ...settledR1, placedWith('r2')])
      .when({ type: 'SettleReservation', batchId: 'b1', live: { ewr1: ['d1', 'd2'] }, reservation: 'r1' })
      .then([
        {
          type: 'ReservationReleased',
          data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 2 }] },
        },
      ]);
    // The reservation the batch was placed with is settled as ever.
    spec
      .given([...seed, placedWith('r1')])
      .when({ type: 'SettleReservation', batchId: 'b1', live: { ewr1: ['d1', 'd2'] }, reservation: 'r1' })
      .then([
        {
          type: 'ReservedCapacityUsed',
          data: { plan, batchId: 'b1', facility: 'ewr1', count: 2, deviceIds: ['d1', 'd2'] },
        },
        { type: 'ReservationReleased', data: { plan, batchId: 'b1', allocations: [] } },
      ]);
  });

  it('refuses to settle more live devices than were reserved', () => {
    spec
      .given([
        ...seed,
        {
          type: 'CapacityReserved',
          data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 1 }], spotPrices: {} },
        },
      ])
      .when({ type: 'SettleReservation', batchId: 'b1', live: { ewr1: ['d1', 'd2'] } })
      .thenThrows('conflict');
  });

  describe("a deleted device's server", () => {
    const reserved: CapacityEvent = {
      type: 'CapacityReserved',
      data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} },
    };
    const settled: CapacityEvent[] = [
      ...seed,
      reserved,
      {
        type: 'ReservedCapacityUsed',
        data: { plan, batchId: 'b1', facility: 'ewr1', count: 2, deviceIds: ['d1', 'd2'] },
      },
      { type: 'ReservationReleased', data: { plan, batchId: 'b1', allocations: [] } },
    ];
    const released = (deviceId?: string): CapacityEvent => ({
      type: 'DeviceCapacityReleased',
      data: { plan, facility: 'ewr1', count: 1, ...(deviceId ? { deviceId } : {}) },
    });

    it('goes back once, however often it is asked, with nothing remembered of the device after', () => {
      spec
        .given(settled)
        .when({ type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: 'd1' })
        .then([released('d1')]);
      spec
        .given([...settled, released('d1')])
        .when({ type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: 'd1' })
        .thenNothingHappened();
      const after = spec.fold([...settled, released('d1')]);
      expect([holdsServer(after, 'ewr1', 'd1'), holdsServer(after, 'ewr1', 'd2')]).toEqual([false, true]);
      expect({ unnamed: after.unnamed, releasedUnnamed: after.releasedUnnamed }).toEqual({
        unnamed: {},
        releasedUnnamed: {},
      });
      expect(availableCapacity(after).ewr1).toBe(24 - 1);
    });

    it('is not given back for a device that holds none', () => {
      spec
        .given(settled)
        .when({ type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: 'stranger' })
        .thenNothingHappened();
      spec
        .given(settled)
        .when({ type: 'ReleaseDeviceCapacity', facility: 'dfw1', deviceId: 'd1' })
        .thenNothingHappened();
    });

    it('held by a device of a commit that did not name its holders goes back once too', () => {
      // Written before capacity knew its holders: two servers held by devices it cannot name.
      const unnamed: CapacityEvent[] = [
        ...seed,
        reserved,
        { type: 'ReservedCapacityUsed', data: { plan, batchId: 'b1', facility: 'ewr1', count: 2 } },
        { type: 'ReservationReleased', data: { plan, batchId: 'b1', allocations: [] } },
      ];
      spec
        .given(unnamed)
        .when({ type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: 'd1' })
        .then([released('d1')]);
      spec
        .given([...unnamed, released('d1')])
        .when({ type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: 'd1' })
        .thenNothingHappened();
      // The last of them goes back and the devices given back are forgotten: no release can be of one any more.
      const drained = spec.fold([...unnamed, released('d1'), released('d2')]);
      expect(drained.held.ewr1).toBe(0);
      expect(drained.releasedUnnamed).toEqual({});
      spec
        .given([...unnamed, released('d1'), released('d2')])
        .when({ type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: 'd1' })
        .thenNothingHappened();
      // A release of before (no device named) still counts.
      expect(spec.fold([...unnamed, released()]).held.ewr1).toBe(1);
    });
  });

  it('seeds totals only into a plan that has none', () => {
    spec
      .given([])
      .when({ type: 'SeedCapacityTotals', totals: { ewr1: 5 } })
      .then([total('ewr1', 5)]);
    spec
      .given(seed)
      .when({ type: 'SeedCapacityTotals', totals: { ewr1: 5 } })
      .thenNothingHappened();
  });

  it('refuses to lower a total below the servers in use', () => {
    spec
      .given([
        ...seed,
        {
          type: 'CapacityReserved',
          data: { plan, batchId: 'b1', allocations: [{ facility: 'ewr1', quantity: 10 }], spotPrices: {} },
        },
      ])
      .when({ type: 'SetCapacityTotal', facility: 'ewr1', total: 9 })
      .thenThrows('conflict', /below the 10 servers/);
  });

  it('takes a total from 0 to its limit, and no other', () => {
    spec
      .given(seed)
      .when({ type: 'SetCapacityTotal', facility: 'ewr1', total: CapacityLimits.total })
      .then([{ type: 'CapacityTotalSet', data: { plan, facility: 'ewr1', total: CapacityLimits.total } }]);
    for (const total of [-1, 1.5, CapacityLimits.total + 1, 1e308])
      spec
        .given(seed)
        .when({ type: 'SetCapacityTotal', facility: 'ewr1', total })
        .thenThrows('validation_failed', /total must be an integer from 0 to 1000000/);
  });
});
