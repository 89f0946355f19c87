import { deciderSpecification } from '@flotilla/testing';
import { CatalogEvent, catalogDecider, catalogView, spotPricesFor } from './catalog';

const spec = deciderSpecification(catalogDecider);
const ewr1: CatalogEvent = { type: 'FacilityDefined', data: { code: 'ewr1', name: 'Parsippany, NJ' } };
const small: CatalogEvent = {
  type: 'PlanDefined',
  data: { slug: 'c1.small.x86', name: 'c1.small', architecture: 'x86_64' },
};

describe('catalog decider', () => {
  it('defines facilities, plans and operating systems on the plans it knows', () => {
    spec
      .given([])
      .when({ type: 'DefineFacility', facility: ewr1.data as never })
      .then([ewr1]);
    spec
      .given([small])
      .when({
        type: 'DefineOperatingSystem',
        operatingSystem: { slug: 'ubuntu_22_04', name: 'Ubuntu 22.04', provisionableOn: ['c1.small.x86'] },
      })
      .then([
        {
          type: 'OperatingSystemDefined',
          data: { slug: 'ubuntu_22_04', name: 'Ubuntu 22.04', provisionableOn: ['c1.small.x86'] },
        },
      ]);
  });

  it("takes a slug with a dot only between two other characters: a plan's slug ends its capacity's subject", () => {
    const plan = (slug: string) => ({ type: 'DefinePlan' as const, plan: { slug, name: 'P', architecture: 'x86_64' } });
    spec
      .given([])
      .when(plan('c3.medium.x86'))
      .then([{ type: 'PlanDefined', data: { slug: 'c3.medium.x86', name: 'P', architecture: 'x86_64' } }]);
    for (const slug of ['c3.', 'c3..x86', '.c3', 'c3 x86', 'c3.*', 'a'.repeat(65)])
      spec
        .given([])
        .when(plan(slug))
        .thenThrows('validation_failed', /slug must be/);
  });

  it('lists every problem of a definition', () => {
    spec
      .given([])
      .when({ type: 'DefinePlan', plan: { slug: 'C1 Small', name: '', architecture: 'sparc' } })
      .thenThrows('validation_failed', /slug must be.*name is required.*architecture must be one of x86_64, aarch64/);
    spec
      .given([])
      .when({ type: 'DefineOperatingSystem', operatingSystem: { slug: 'os', name: 'OS', provisionableOn: ['nope'] } })
      .thenThrows('validation_failed', /unknown plans: nope/);
  });

  it('prices spot capacity only for a known facility and plan', () => {
    spec
      .given([ewr1, small])
      .when({ type: 'SetSpotPrice', facility: 'ewr1', plan: 'c1.small.x86', price: 0.35 })
      .then([{ type: 'SpotPriceSet', data: { facility: 'ewr1', plan: 'c1.small.x86', price: 0.35 } }]);
    spec
      .given([ewr1])
      .when({ type: 'SetSpotPrice', facility: 'sjc1', plan: 'c1.small.x86', price: -1 })
      .thenThrows('validation_failed', /sjc1.*c1.small.x86.*at least 0/);
  });

  it('seeds an empty catalog in one go, and leaves a catalog with anything in it alone', () => {
    const catalog = {
      metros: [{ code: 'ny', name: 'New York', country: 'US' }],
      facilities: [{ code: 'ewr1', name: 'Parsippany, NJ', metro: 'ny' }],
      plans: [{ slug: 'c1.small.x86', name: 'c1.small', architecture: 'x86_64' }],
      operatingSystems: [{ slug: 'ubuntu_22_04', name: 'Ubuntu 22.04', provisionableOn: ['c1.small.x86'] }],
      spotPrices: [{ facility: 'ewr1', plan: 'c1.small.x86', price: 0.2 }],
    };
    const events = spec.decide({ type: 'SeedCatalog', catalog }, catalogDecider.initialState());
    const state = spec.fold(events);
    expect(catalogView(state).operatingSystems.get('ubuntu_22_04')).toEqual(new Set(['c1.small.x86']));
    expect(spotPricesFor(state, 'c1.small.x86')).toEqual({ ewr1: 0.2 });
    expect(catalogView(state).metros).toEqual(new Map([['ny', new Set(['ewr1'])]]));
    spec.given([ewr1]).when({ type: 'SeedCatalog', catalog }).thenNothingHappened();
    spec
      .given([])
      .when({
        type: 'SeedCatalog',
        catalog: { ...catalog, operatingSystems: [{ slug: 'os', name: 'OS', provisionableOn: ['missing'] }] },
      })
      .thenThrows('validation_failed', /OperatingSystemDefined.*unknown plans: missing/);
  });

  it('puts a facility in a known metro only; metro codes are slugs, "any" is neither a metro nor a facility', () => {
    const ny: CatalogEvent = { type: 'MetroDefined', data: { code: 'ny', name: 'New York', country: 'US' } };
    spec
      .given([])
      .when({ type: 'DefineMetro', metro: { code: 'ny', name: 'New York', country: 'US' } })
      .then([ny]);
    spec
      .given([])
      .when({ type: 'DefineFacility', facility: { code: 'ewr1', name: 'Parsippany, NJ', metro: 'ny' } })
      .thenThrows('validation_failed', /metro ny is not known/);
    spec
      .given([ny])
      .when({ type: 'DefineFacility', facility: { code: 'ewr1', name: 'Parsippany, NJ', metro: 'ny' } })
      .then([{ type: 'FacilityDefined', data: { code: 'ewr1', name: 'Parsippany, NJ', metro: 'ny' } }]);
    spec
      .given([])
      .when({ type: 'DefineMetro', metro: { code: 'any', name: 'Anywhere', country: 'usa' } })
      .thenThrows('validation_failed', /"any" is reserved.*country must be two capital letters/);
  });
});
