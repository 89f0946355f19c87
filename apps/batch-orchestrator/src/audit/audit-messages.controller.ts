import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AuditRequest, AuditTypes, BatchSubjects, ErrorCodes } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import {
  auditTrail,
  Handles,
  Meta,
  RequestMeta,
  RpcErrorFilter,
  RpcFailure,
  RpcValidationPipe,
} from '@flotilla/nest-platform';

/** The history of an aggregate of this service's log (`GET /audit/{type}/{id}`), named as in its subjects. */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class AuditMessagesController {
  constructor(private readonly store: EventStore) {}

  @Handles(BatchSubjects.audit)
  audit(@Payload() request: AuditRequest, @Meta() meta: RequestMeta) {
    if (request.type === 'catalog' && request.name !== 'global')
      throw new RpcFailure({ code: ErrorCodes.notFound, message: 'catalog not found (it is named global)' });
    if (!(AuditTypes.batch as readonly string[]).includes(request.type))
      throw new RpcFailure({ code: ErrorCodes.notFound, message: `${request.type} is not in this service's log` });
    return auditTrail(this.store, request, { subjectType: request.type, id: request.name }, meta);
  }
}
