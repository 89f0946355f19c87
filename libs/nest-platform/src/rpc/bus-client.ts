import { headers as natsHeaders, NatsConnection } from 'nats';
import { Principal, Reply, RequestHeaders, signRequest, Subject, subjectOn } from '@flotilla/contracts';
import { decodeReply } from './reply-codec';

/** A principal before it is issued: `busRequest` stamps the time when it signs. */
export type UnsignedPrincipal = Principal extends infer P ? (P extends Principal ? Omit<P, 'issuedAt'> : never) : never;

export interface BusRequestOptions {
  /** Who the request is for; signed with `key` (the bus key, or a named service's own key). */
  principal: UnsignedPrincipal;
  key: string;
  timeoutMs?: number;
  correlationId?: string;
}

/**
 * Sends a command or query over NATS request/reply with a signed principal (platform.md §3, §4b) and returns the
 * service's reply envelope. Rejects only when no reply comes (no responders, timeout).
 */
export async function busRequest<T>(
  nc: NatsConnection,
  subject: string,
  payload: unknown,
  options: BusRequestOptions,
): Promise<Reply<T>> {
  const body = payload instanceof Uint8Array ? payload : Buffer.from(JSON.stringify(payload));
  const headers = natsHeaders();
  const principal = { ...options.principal, issuedAt: Date.now() } as Principal;
  for (const [name, value] of Object.entries(signRequest(principal, subject, body, options.key)))
    headers.set(name, value);
  if (options.correlationId) headers.set(RequestHeaders.correlationId, options.correlationId);
  const message = await nc.request(subject, body, { timeout: options.timeoutMs ?? 10_000, headers });
  return decodeReply<T>(message);
}

export interface BusRequesterOptions {
  /** The deployment's subject prefix (RPC_SUBJECT_PREFIX). */
  prefix: string;
  actor?: string;
  timeoutMs?: number;
}

/**
 * Requests signed with one key, as root or, given an organization, confined to it: how the gateway's calls look to a
 * service (for tests and tools that stand in for the gateway). A Uint8Array payload is sent as it is.
 */
export function busRequester(
  nc: NatsConnection,
  key: string,
  { prefix, actor = 'test', timeoutMs = 30_000 }: BusRequesterOptions,
) {
  return <T>(subject: Subject, payload: unknown, organizationId?: string): Promise<Reply<T>> =>
    busRequest<T>(nc, subjectOn(prefix, subject), payload, {
      principal: organizationId ? { kind: 'organization', organizationId, actor } : { kind: 'root', actor },
      key,
      timeoutMs,
    });
}
