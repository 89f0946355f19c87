import { IsInt, Max, Min } from 'class-validator';
import { allOf } from './all-of';
import { Optional } from './optional';

/** Metal's paging of lists: `page` from 1, `per_page` 10 unless asked, at most 1000. */
export const Paging = { defaultPerPage: 10, maxPerPage: 1000, maxPage: 100_000 } as const;

export interface Href {
  href: string;
}

/** A list's position, as Metal's `Meta`: links to the first, previous, own, next and last pages, and counts. */
export interface PageMeta {
  first: Href;
  previous?: Href;
  self: Href;
  next?: Href;
  last: Href;
  total: number;
  current_page: number;
  last_page: number;
}

/**
 * Metal's `meta` of page `page` of `total` items, `perPage` a page, listed at `path`; `filters` (query parameters) are
 * kept in every link, so following `next` stays within the same list.
 */
export function pageMeta(
  path: string,
  page: number,
  perPage: number,
  total: number,
  filters: Record<string, string> = {},
): PageMeta {
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const query = Object.entries(filters)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}&`)
    .join('');
  const at = (n: number) => ({ href: `${path}?${query}page=${n}&per_page=${perPage}` });
  return {
    first: at(1),
    ...(page > 1 ? { previous: at(Math.min(page - 1, lastPage)) } : {}),
    self: at(page),
    ...(page < lastPage ? { next: at(page + 1) } : {}),
    last: at(lastPage),
    total,
    current_page: page,
    last_page: lastPage,
  };
}

/** A page of a list at `path`: the rows to skip and take, and its `meta` once the total is known. */
export function pageOf(
  path: string,
  page = 1,
  perPage: number = Paging.defaultPerPage,
  filters: Record<string, string> = {},
) {
  return {
    skip: (page - 1) * perPage,
    take: perPage,
    meta: (total: number) => pageMeta(path, page, perPage, total, filters),
  };
}

/** The `page` field of a list request. */
export const PageNumber = () => allOf(Optional(), IsInt(), Min(1), Max(Paging.maxPage));

/** The `perPage` field of a list request. */
export const PerPage = (max: number = Paging.maxPerPage) => allOf(Optional(), IsInt(), Min(1), Max(max));
