import { Same } from '@flotilla/testing';
import { CapacityState, capacityStateFormat } from './capacity';
import { CatalogState, catalogStateFormat } from './catalog';

// The states as snapshots of the current formats hold them, written out. A change to a state's type fails to compile
// below: raise its format (snapshots of the older one are then ignored, never misread) and write the new shape here.
type Allocation = { facility: string; quantity: number };
type CapacityFormat2 = {
  plan: string | null;
  totals: Record<string, number>;
  held: Record<string, number>;
  holders: Record<string, string[][]>;
  unnamed: Record<string, number>;
  releasedUnnamed: Record<string, true>;
  reservations: Record<
    string,
    {
      allocations: Allocation[];
      spotPrices: Record<string, number>;
      remaining: Record<string, number>;
      reservation?: string;
    }
  >;
  reserved: Record<string, number>;
};
type CatalogFormat1 = {
  metros: Record<string, { code: string; name: string; country: string }>;
  facilities: Record<string, { code: string; name: string; metro?: string }>;
  plans: Record<string, { slug: string; name: string; architecture: string }>;
  operatingSystems: Record<string, { slug: string; name: string; provisionableOn: string[] }>;
  spotPrices: Record<string, Record<string, number>>;
};

describe('snapshot formats', () => {
  it('name the shapes of the states they hold', () => {
    const capacity: Same<CapacityState, CapacityFormat2> = true;
    const catalog: Same<CatalogState, CatalogFormat1> = true;
    expect({ capacity, capacityStateFormat, catalog, catalogStateFormat }).toEqual({
      capacity: true,
      capacityStateFormat: 2,
      catalog: true,
      catalogStateFormat: 1,
    });
  });
});
