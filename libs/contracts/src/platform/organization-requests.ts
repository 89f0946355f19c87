import { IsUUID } from 'class-validator';
import { PageNumber, PerPage } from './paging';

/** A request about one organization. */
export class OrganizationRequest {
  @IsUUID()
  organizationId!: string;
}

/** A page of an organization's rows: its projects, API keys or products. */
export class OrganizationListRequest extends OrganizationRequest {
  @PageNumber()
  page?: number;

  @PerPage()
  perPage?: number;
}
