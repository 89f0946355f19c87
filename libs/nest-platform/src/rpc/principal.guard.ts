import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { MsgHdrs } from 'nats';
import { PrincipalHeaders, principalRefusal, ReplyError, RequestHeaders } from '@flotilla/contracts';
import { BusTrust, RequestMeta } from './bus-trust';
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
    const data = rpc.getData() as object;
    const verified = verifyPrincipal(this.trust, nats.getHeaders(), nats.getSubject(), data);
    if ('code' in verified) {
      this.metrics.refused(context, verified.code);
      throw new RpcFailure(verified);
    }
    Object.defineProperty(data, REQUEST_META, { value: verified, enumerable: false });
    return true;
  }
}

/**
 * The principal of a request as received (its headers, its subject, its deserialized payload with the body's digest):
 * who it is for, or the `unauthorized` error it is refused with. The guard and direct routes both ask here.
 */
export function verifyPrincipal(
  trust: BusTrust,
  headers: MsgHdrs | undefined,
  subject: string,
  data: object | null,
): RequestMeta | ReplyError {
  const verified = trust.verify(
    { principal: headers?.get(PrincipalHeaders.principal), signature: headers?.get(PrincipalHeaders.signature) },
    subject,
    String((data as Record<symbol, unknown> | null)?.[BODY_DIGEST] ?? ''),
    headers?.get(RequestHeaders.correlationId) || undefined,
  );
  return 'reason' in verified ? principalRefusal(verified.reason) : verified;
}
