import {
  ConnectionOptions,
  createInbox,
  ErrorCode,
  headers as natsHeaders,
  MsgHdrs,
  NatsConnection,
  NatsError,
} from 'nats';
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
  const { body, headers } = signed(subject, payload, options);
  const message = await nc.request(subject, body, { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers });
  return decodeReply<T>(message);
}

/**
 * Sends a request whose subject answers in parts (several reply messages) and hands each reply envelope to `take`
 * until it says the answer is whole. Rejects as `busRequest` does when no reply comes (no responders, or the whole
 * answer not there within the timeout), and with what `take` throws.
 */
export function busRequestParts<T>(
  nc: NatsConnection,
  subject: string,
  payload: unknown,
  options: BusRequestOptions,
  take: (reply: Reply<T>) => boolean,
): Promise<void> {
  const { body, headers } = signed(subject, payload, options);
  // Under the connection's own inbox prefix, where a locked bus lets it receive (as nats.js's requests do).
  const inbox = createInbox((nc as NatsConnection & { options?: ConnectionOptions }).options?.inboxPrefix);
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      subscription.unsubscribe();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(NatsError.errorForCode(ErrorCode.Timeout)),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const subscription = nc.subscribe(inbox, {
      callback: (err, message) => {
        if (err) return finish(err);
        if (isNoResponders(message.headers)) return finish(NatsError.errorForCode(ErrorCode.NoResponders));
        try {
          if (take(decodeReply<T>(message))) finish();
        } catch (thrown) {
          finish(thrown);
        }
      },
    });
    try {
      nc.publish(subject, body, { reply: inbox, headers });
    } catch (err) {
      finish(err); // a body larger than the bus carries
    }
  });
}

const DEFAULT_TIMEOUT_MS = 10_000;

const isNoResponders = (headers: MsgHdrs | undefined) => headers?.hasError === true && headers.code === 503;

/** The body and the headers that sign it for `options.principal`. */
function signed(subject: string, payload: unknown, options: BusRequestOptions) {
  const body = payload instanceof Uint8Array ? payload : Buffer.from(JSON.stringify(payload));
  const headers = natsHeaders();
  const principal = { ...options.principal, issuedAt: Date.now() } as Principal;
  for (const [name, value] of Object.entries(signRequest(principal, subject, body, options.key)))
    headers.set(name, value);
  if (options.correlationId) headers.set(RequestHeaders.correlationId, options.correlationId);
  return { body, headers };
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
