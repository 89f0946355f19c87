import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { Paging } from '@flotilla/contracts';
import { refuseProblems } from './query-filters';

/** The `page` and `per_page` query parameters of a list, in the API document. */
export const ApiPaging = (perPage: { defaultPerPage: number; maxPerPage: number } = Paging) =>
  applyDecorators(
    ApiQuery({ name: 'page', required: false, description: 'from 1 (default 1)' }),
    ApiQuery({
      name: 'per_page',
      required: false,
      description: `default ${perPage.defaultPerPage}, at most ${perPage.maxPerPage}`,
    }),
  );

/**
 * `page` and `per_page` as Metal takes them: positive integers, `per_page` at most 1000 (or less); all problems,
 * listed after those the caller found in the rest of the query.
 */
export function paging(
  page: string | undefined,
  perPage: string | undefined,
  maxPerPage: number = Paging.maxPerPage,
  problems: string[] = [],
): { page?: number; perPage?: number } {
  const read = (value: string | undefined, name: string, max: number) => {
    if (value === undefined) return undefined;
    const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= max)) problems.push(`${name} must be an integer from 1 to ${max}`);
    return n;
  };
  const paged = { page: read(page, 'page', Paging.maxPage), perPage: read(perPage, 'per_page', maxPerPage) };
  refuseProblems(problems);
  return paged;
}
