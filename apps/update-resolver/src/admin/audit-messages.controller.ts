import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AuditRequest, ErrorCodes, UpdateAggregates, UpdateSubjects } from '@flotilla/contracts';
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
import { aggregateKeyOfName } from '@flotilla/update-domain';

/**
 * The history of an aggregate of this service's log (`GET /audit/{type}/{id}`). Products, deployments and devices
 * are named within the caller's organization (`<product>`, `<product>/<deployment>`, `<identifier>`); the platform's
 * administrator names the organization first, as the CLI does.
 */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class AuditMessagesController {
  constructor(private readonly store: EventStore) {}

  @Handles(UpdateSubjects.audit)
  audit(@Payload() request: AuditRequest, @Meta() meta: RequestMeta) {
    const named = meta.organizationId ? `${meta.organizationId}/${request.name}` : request.name;
    const aggregate = (() => {
      try {
        switch (request.type) {
          case 'product':
            return { subjectType: UpdateAggregates.product, id: aggregateKeyOfName(named, 2) };
          case 'deployment':
            return { subjectType: UpdateAggregates.deployment, id: aggregateKeyOfName(named, 3) };
          case 'update-device':
            return { subjectType: UpdateAggregates.device, id: aggregateKeyOfName(named, 2) };
          case 'firmware':
            return { subjectType: UpdateAggregates.firmware, id: request.name.toLowerCase() };
        }
      } catch {
        // a name without its parts names nothing
      }
      throw new RpcFailure({ code: ErrorCodes.notFound, message: `${request.type} not found` });
    })();
    return auditTrail(this.store, request, aggregate, meta);
  }
}
