import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiTags } from '@nestjs/swagger';
import { Doc } from '../openapi/api-doc';
import { AuditPaging, AuditTypes, AuditView, BatchSubjects, ErrorCodes, UpdateSubjects } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';
import { ApiPaging, paging } from '../paging';

const types: readonly string[] = [...AuditTypes.batch, ...AuditTypes.update];

/** The history of any aggregate of either service, from its log; an API key sees its own organization's only. */
@ApiTags('audit')
@ApiHeader({ name: 'X-Auth-Token', required: true })
@Controller('audit')
@UseGuards(AuthGuard)
export class AuditController {
  constructor(private readonly rpc: NatsRpcClient) {}

  @Doc("An aggregate's events, oldest first", 'Audit')
  @Get(':type/:id')
  @ApiParam({ name: 'type', enum: types })
  @ApiParam({
    name: 'id',
    description:
      'an id; a plan (capacity); `global` (catalog); within the organization `<product>`, `<product>/<deployment>` ' +
      'or `<identifier>` (update device), `/` encoded as %2F; the root token names the organization first',
  })
  @ApiPaging(AuditPaging)
  audit(
    @Param('type') type: string,
    @Param('id') name: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<AuditView> {
    if (!types.includes(type))
      throw new RemoteError({ code: ErrorCodes.notFound, message: `no aggregate type "${type}"` });
    const subject = (AuditTypes.batch as readonly string[]).includes(type) ? BatchSubjects.audit : UpdateSubjects.audit;
    return this.rpc.call(subject, { type, name, ...paging(page, perPage, AuditPaging.maxPerPage) }, caller);
  }
}
