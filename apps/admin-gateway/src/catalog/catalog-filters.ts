import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { PlanView } from '@flotilla/contracts';
import { NO_PLAN_CATEGORIES, queryFilters, refuseProblems } from '../query-filters';

const PLAN_TYPES = ['standard', 'workload_optimized', 'custom'];

/** `GET /plans`'s query parameters in the API document: Metal's `findPlans` filters. */
export const ApiPlanFilters = () =>
  applyDecorators(
    ApiQuery({ name: 'type', required: false, enum: PLAN_TYPES, description: 'every plan here is standard' }),
    ApiQuery({ name: 'slug', required: false }),
  );

/** Metal's `findPlans` filters, `type` and `slug`, every problem listed; `categories` is refused. */
export function planFilter(query: Record<string, unknown>): (plan: PlanView) => boolean {
  const problems: string[] = [];
  const { filter, unmodelled } = queryFilters(query, problems);
  const type = filter('type');
  if (type !== undefined && !PLAN_TYPES.includes(type)) problems.push(`type must be one of ${PLAN_TYPES.join(', ')}`);
  const slug = filter('slug')?.toLowerCase();
  unmodelled('categories', NO_PLAN_CATEGORIES);
  refuseProblems(problems);
  return (plan) => (type === undefined || plan.type === type) && (slug === undefined || plan.slug === slug);
}

type PriceReport = Record<string, Record<string, { price: number }>>;

/** The spot price reports' query parameters in the API document: Metal's place and plan filters. */
export const ApiSpotPriceFilters = (place: 'facility' | 'metro') =>
  applyDecorators(
    ApiQuery({ name: place, required: false, description: `a ${place} code` }),
    ApiQuery({ name: 'plan', required: false, description: 'a plan slug' }),
  );

/** Metal's spot price filters: the place (`facility`, or `metro` in the per-metro report) and the `plan`. */
export function spotPriceFilter(query: Record<string, unknown>, place: 'facility' | 'metro') {
  const problems: string[] = [];
  const { filter } = queryFilters(query, problems);
  const at = filter(place)?.toLowerCase();
  const plan = filter('plan')?.toLowerCase();
  refuseProblems(problems);
  return (report: PriceReport): PriceReport => {
    const filtered: PriceReport = {};
    for (const [code, plans] of Object.entries(report)) {
      if (at !== undefined && code !== at) continue;
      const kept = Object.entries(plans).filter(([slug]) => plan === undefined || slug === plan);
      if (kept.length) filtered[code] = Object.fromEntries(kept);
    }
    return filtered;
  };
}
