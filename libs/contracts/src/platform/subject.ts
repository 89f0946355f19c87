import { ServiceNames } from '@flotilla/events';

export type ServiceName = (typeof ServiceNames)[keyof typeof ServiceNames];

/** What the `data` of a successful reply holds: its type for callers, its description for the AsyncAPI document. */
export interface ReplyShape<T> {
  readonly description: string;
  /** Never set: carries the reply's type. */
  readonly type?: T;
}

export const replyOf = <T>(description: string): ReplyShape<T> => ({ description });

/**
 * A command or query on the bus, declared once (libs/contracts): the service that answers it in its queue group,
 * the payload class it validates, and its reply. Handlers bind from it (`@Handles`), callers send through it, and
 * asyncapi.yaml is generated from every one of them.
 */
export interface Subject<Request = unknown, Response = unknown> {
  /** The subject after the deployment's prefix: `<prefix>.batch.cmd.create`. */
  readonly name: string;
  readonly kind: 'command' | 'query';
  readonly service: ServiceName;
  readonly request: new () => Request;
  readonly reply: ReplyShape<Response>;
  readonly summary: string;
}

export type RequestOf<S> = S extends Subject<infer Request, unknown> ? Request : never;
export type ResponseOf<S> = S extends Subject<unknown, infer Response> ? Response : never;

/**
 * Subjects start with a configurable prefix (RPC_SUBJECT_PREFIX, `fleet` unless set), so that systems (a test suite,
 * a running `npm start`) share one NATS without answering each other.
 */
export const DefaultSubjectPrefix = 'fleet';

/** A subject's kind, read from its name (`<context>.cmd.<name>` or `<context>.query.<name>`). */
export const kindOf = (name: string): Subject['kind'] => (name.includes('.cmd.') ? 'command' : 'query');

export function subjectOn(prefix: string, subject: Subject<unknown, unknown>): string {
  return `${prefix}.${subject.name}`;
}

export function subject<Request, Response>(
  name: string,
  service: ServiceName,
  request: new () => Request,
  reply: ReplyShape<Response>,
  summary: string,
): Subject<Request, Response> {
  return { name, kind: kindOf(name), service, request, reply, summary };
}

/** The payload of a query that takes none. */
export class NoPayload {}
