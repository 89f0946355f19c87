import { IsIn, IsString, MaxLength } from 'class-validator';
import { PageMeta, PageNumber, PerPage } from './paging';

/** The aggregates each service's log holds, as `GET /audit/{type}/{id}` and the CLI name them. */
export const AuditTypes = {
  batch: ['organization', 'catalog', 'capacity', 'batch', 'device'],
  update: ['product', 'firmware', 'deployment', 'update-device'],
} as const;

export type AuditType = (typeof AuditTypes)[keyof typeof AuditTypes][number];

export const AuditPaging = { defaultPerPage: 100, maxPerPage: 1000 } as const;

/**
 * One aggregate's history. `name` as operators name it: an id, a plan (capacity), `global` (catalog); within an
 * organization `<product>`, `<product>/<deployment>`, `<identifier>` (update device), which the platform's
 * administrator prefixes with `<organization id>/`.
 */
export class AuditRequest {
  @IsIn([...AuditTypes.batch, ...AuditTypes.update])
  type!: AuditType;

  @IsString()
  @MaxLength(600)
  name!: string;

  @PageNumber()
  page?: number;

  @PerPage(AuditPaging.maxPerPage)
  perPage?: number;
}

/** An event of the history, as the audit shows it: when, who, why (correlation, causation) and what. */
export interface AuditEntry {
  seq: number;
  time: string;
  type: string;
  version: number;
  actor: string;
  correlation_id: string;
  causation_id: string | null;
  command_id: string | null;
  data: unknown;
}

export interface AuditView {
  type: AuditType;
  id: string;
  events: AuditEntry[];
  meta: PageMeta;
}
