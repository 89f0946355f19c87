import { CatalogEventVersions, DomainEvent } from '@flotilla/events';
import { Decider, DomainError } from '@flotilla/decider';

/** The catalog is one aggregate (`evt.batch.catalog.global`): small, read by every batch, changed by operators. */
export const CatalogId = 'global';
export const ARCHITECTURES = ['x86_64', 'aarch64'] as const;

/** A metro area (Metal's `Metro`): facilities near each other, which a batch item may name instead of a facility. */
export interface Metro {
  code: string;
  name: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}
export interface Facility {
  code: string;
  name: string;
  /** The code of its metro; facilities defined before metros have none. */
  metro?: string;
}
export interface Plan {
  slug: string;
  name: string;
  architecture: string;
}
export interface OperatingSystem {
  slug: string;
  name: string;
  provisionableOn: string[];
}

export type MetroDefined = DomainEvent<'MetroDefined', Metro>;
export type FacilityDefined = DomainEvent<'FacilityDefined', Facility>;
export type PlanDefined = DomainEvent<'PlanDefined', Plan>;
export type OperatingSystemDefined = DomainEvent<'OperatingSystemDefined', OperatingSystem>;
export type SpotPriceSet = DomainEvent<'SpotPriceSet', { facility: string; plan: string; price: number }>;
export type CatalogEvent = MetroDefined | FacilityDefined | PlanDefined | OperatingSystemDefined | SpotPriceSet;
/** Every catalog event type is in the stream's schema (a reader refuses a type it does not list). */
export const catalogEventVersions: Record<CatalogEvent['type'], number> = CatalogEventVersions;

export interface DemoCatalog {
  metros: Metro[];
  facilities: Facility[];
  plans: Plan[];
  operatingSystems: OperatingSystem[];
  spotPrices: { facility: string; plan: string; price: number }[];
}

export type CatalogCommand =
  | { type: 'DefineMetro'; metro: Metro }
  | { type: 'DefineFacility'; facility: Facility }
  | { type: 'DefinePlan'; plan: Plan }
  | { type: 'DefineOperatingSystem'; operatingSystem: OperatingSystem }
  | { type: 'SetSpotPrice'; facility: string; plan: string; price: number }
  /** Fills an empty catalog; a catalog that has anything in it is left alone. */
  | { type: 'SeedCatalog'; catalog: DemoCatalog };

/** The shape of `CatalogState` as snapshots keep it: raise it with any change to the type. */
export const catalogStateFormat = 1;

export interface CatalogState {
  metros: Record<string, Metro>;
  facilities: Record<string, Facility>;
  plans: Record<string, Plan>;
  operatingSystems: Record<string, OperatingSystem>;
  /** facility → plan → USD per hour. */
  spotPrices: Record<string, Record<string, number>>;
}

/** A code or slug: a plan's ends its capacity's subject (`evt.batch.capacity.<slug>`), so a dot only between others. */
const CODE = /^(?=.{1,64}$)[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

const SLUG_PROBLEM = 'must be 1-64 lower-case letters, digits, ".", "_" or "-", a "." only between two others';

/** Everything wrong with a definition, given the catalog it would join. */
function problemsOf(event: CatalogEvent, state: CatalogState): string[] {
  const problems: string[] = [];
  switch (event.type) {
    case 'MetroDefined':
      if (!CODE.test(event.data.code)) problems.push(`code ${SLUG_PROBLEM}`);
      else if (event.data.code === 'any') problems.push('code "any" is reserved: it means every metro');
      if (!event.data.name?.trim()) problems.push('name is required');
      if (!/^[A-Z]{2}$/.test(event.data.country ?? '')) problems.push('country must be two capital letters (ISO 3166)');
      break;
    case 'FacilityDefined':
      if (!CODE.test(event.data.code)) problems.push(`code ${SLUG_PROBLEM}`);
      else if (event.data.code === 'any') problems.push('code "any" is reserved: it means every facility');
      if (!event.data.name?.trim()) problems.push('name is required');
      if (event.data.metro !== undefined && !state.metros[event.data.metro])
        problems.push(`metro ${event.data.metro} is not known`);
      break;
    case 'PlanDefined':
      if (!CODE.test(event.data.slug)) problems.push(`slug ${SLUG_PROBLEM}`);
      if (!event.data.name?.trim()) problems.push('name is required');
      if (!(ARCHITECTURES as readonly string[]).includes(event.data.architecture))
        problems.push(`architecture must be one of ${ARCHITECTURES.join(', ')}`);
      break;
    case 'OperatingSystemDefined': {
      if (!CODE.test(event.data.slug)) problems.push(`slug ${SLUG_PROBLEM}`);
      if (!event.data.name?.trim()) problems.push('name is required');
      const unknown = event.data.provisionableOn.filter((plan) => !state.plans[plan]);
      if (unknown.length) problems.push(`provisionable_on has unknown plans: ${unknown.join(', ')}`);
      break;
    }
    case 'SpotPriceSet': {
      const { facility, plan, price } = event.data;
      if (!state.facilities[facility]) problems.push(`facility ${facility} is not known`);
      if (!state.plans[plan]) problems.push(`plan ${plan} is not known`);
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0)
        problems.push('price must be a number of at least 0');
    }
  }
  return problems;
}

function refuseIfAny(problems: string[]): void {
  if (problems.length) throw DomainError.invalid(problems);
}

export const catalogDecider: Decider<CatalogCommand, CatalogState, CatalogEvent> = {
  initialState: () => ({ metros: {}, facilities: {}, plans: {}, operatingSystems: {}, spotPrices: {} }),

  decide(command, state) {
    const problems: string[] = [];
    const define = (event: CatalogEvent): CatalogEvent[] => {
      refuseIfAny(problemsOf(event, state));
      return [event];
    };
    switch (command.type) {
      case 'DefineMetro':
        return define({ type: 'MetroDefined', data: command.metro });
      case 'DefineFacility':
        return define({ type: 'FacilityDefined', data: command.facility });
      case 'DefinePlan':
        return define({ type: 'PlanDefined', data: command.plan });
      case 'DefineOperatingSystem':
        return define({ type: 'OperatingSystemDefined', data: command.operatingSystem });
      case 'SetSpotPrice':
        return define({
          type: 'SpotPriceSet',
          data: { facility: command.facility, plan: command.plan, price: command.price },
        });
      case 'SeedCatalog': {
        if (Object.keys(state.facilities).length || Object.keys(state.plans).length) return [];
        const { metros, facilities, plans, operatingSystems, spotPrices } = command.catalog;
        const events: CatalogEvent[] = [
          ...metros.map((data) => ({ type: 'MetroDefined' as const, data })),
          ...facilities.map((data) => ({ type: 'FacilityDefined' as const, data })),
          ...plans.map((data) => ({ type: 'PlanDefined' as const, data })),
          ...operatingSystems.map((data) => ({ type: 'OperatingSystemDefined' as const, data })),
          ...spotPrices.map((data) => ({ type: 'SpotPriceSet' as const, data })),
        ];
        let seeded = state;
        for (const event of events) {
          problems.push(
            ...problemsOf(event, seeded).map((problem) => `${event.type} ${JSON.stringify(event.data)}: ${problem}`),
          );
          seeded = catalogDecider.evolve(seeded, event);
        }
        refuseIfAny(problems);
        return events;
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'MetroDefined':
        return { ...state, metros: { ...state.metros, [event.data.code]: event.data } };
      case 'FacilityDefined':
        return { ...state, facilities: { ...state.facilities, [event.data.code]: event.data } };
      case 'PlanDefined':
        return { ...state, plans: { ...state.plans, [event.data.slug]: event.data } };
      case 'OperatingSystemDefined':
        return { ...state, operatingSystems: { ...state.operatingSystems, [event.data.slug]: event.data } };
      case 'SpotPriceSet': {
        const { facility, plan, price } = event.data;
        return {
          ...state,
          spotPrices: { ...state.spotPrices, [facility]: { ...state.spotPrices[facility], [plan]: price } },
        };
      }
    }
  },
};

/** The catalog as request-only validation of a batch item sees it. */
export function catalogView(state: CatalogState) {
  const metros = new Map(Object.keys(state.metros).map((code) => [code, new Set<string>()]));
  for (const { code, metro } of Object.values(state.facilities)) if (metro) metros.get(metro)?.add(code);
  return {
    metros,
    facilities: new Set(Object.keys(state.facilities)),
    plans: new Set(Object.keys(state.plans)),
    operatingSystems: new Map(
      Object.values(state.operatingSystems).map((os) => [os.slug, new Set(os.provisionableOn)]),
    ),
  };
}

/** Current spot prices of one plan, per facility. */
export function spotPricesFor(state: CatalogState, plan: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(state.spotPrices).flatMap(([facility, prices]) =>
      prices[plan] === undefined ? [] : [[facility, prices[plan]]],
    ),
  );
}
