import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { RequestHeaders } from '@flotilla/contracts';

/** Who is asking, as the NATS request headers say; `organizationId` confines the request to one organization. */
export interface RequestMeta {
  actor: string;
  organizationId: string | null;
  correlationId: string | undefined;
}

export const Meta = createParamDecorator((_: unknown, context: ExecutionContext): RequestMeta => {
  const headers = context.switchToRpc().getContext<NatsContext>().getHeaders();
  return {
    actor: headers?.get(RequestHeaders.actor) || 'service',
    organizationId: headers?.get(RequestHeaders.organization) || null,
    correlationId: headers?.get(RequestHeaders.correlationId) || undefined,
  };
});
