import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { ErrorCodes, PrincipalHeaders, RequestHeaders } from '@flotilla/contracts';
import { BusTrust } from './bus-trust';
import { BODY_DIGEST } from './reply-codec';
import { RpcFailure } from './rpc-exception.filter';
import { BusMetrics } from './bus-metrics.interceptor';

/** The verified request meta, attached to the payload for the `@Meta()` parameter. */
export const REQUEST_META = Symbol('request meta');

/**
 * Every command and query must carry a principal that verifies (platform.md §4b); one that does not is answered
 * `unauthorized` before any handler or validation runs. Authority is never inferred from a missing header.
 */
@Injectable()
export class PrincipalGuard implements CanActivate {
  constructor(
    @Inject(BusTrust) private readonly trust: BusTrust,
    private readonly metrics: BusMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc') return true;
    const rpc = context.switchToRpc();
    const nats = rpc.getContext<NatsContext>();
    const data = rpc.getData() as Record<symbol, unknown>;
    const headers = nats.getHeaders();
    const verified = this.trust.verify(
      { principal: headers?.get(PrincipalHeaders.principal), signature: headers?.get(PrincipalHeaders.signature) },
      nats.getSubject(),
      String(data?.[BODY_DIGEST] ?? ''),
      headers?.get(RequestHeaders.correlationId) || undefined,
    );
    if ('reason' in verified) {
      this.metrics.refused(context, ErrorCodes.unauthorized);
      throw new RpcFailure({ code: ErrorCodes.unauthorized, message: `unauthorized: ${verified.reason}` });
    }
    Object.defineProperty(data, REQUEST_META, { value: verified, enumerable: false });
    return true;
  }
}
