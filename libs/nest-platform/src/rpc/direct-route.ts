import { Injectable, Logger } from '@nestjs/common';
import { Msg } from 'nats';
import { badCharacterProblems, Reply, Subject } from '@flotilla/contracts';
import { describeError } from '@flotilla/event-store';
import { BusMetrics } from './bus-metrics.interceptor';
import { BusTrust, RequestMeta } from './bus-trust';
import { verifyPrincipal } from './principal.guard';
import { encodeReply, PlainJsonRequestDeserializer } from './reply-codec';
import { failureReply } from './rpc-exception.filter';
import { RpcValidationPipe } from './rpc-validation.pipe';

/**
 * A hot subject answered without Nest's per-message pipeline (route lookup, guard, pipe and interceptors chained as
 * observables), which costs more than a device check itself. The steps are the same and in the same order: the
 * principal verified, the payload validated by the same pipe, the handler, the same counts, reply envelope and error
 * codes. `natsRpcServer` subscribes it beside the `@Handles` handlers, in its service's queue group.
 */
export interface DirectRoute<Payload extends object = object> {
  readonly subject: Subject<Payload>;
  /**
   * True for a payload that is already what validation would make of it (exactly the request class's fields, each
   * valid): it is handed on as it is. Any other payload is validated in full, and answered with every problem.
   */
  accepts?(payload: object): payload is Payload;
  /**
   * Answers with what it returns. A route whose subject answers in parts sends the parts before the last with
   * `part` (each its own `ok` reply message, in order) and returns the last.
   */
  handle(payload: Payload, meta: RequestMeta, part: (data: unknown) => void): Promise<unknown>;
}

@Injectable()
export class DirectResponder {
  private readonly logger = new Logger('rpc');
  private readonly deserializer = new PlainJsonRequestDeserializer();
  private readonly validation = new RpcValidationPipe();

  constructor(
    private readonly trust: BusTrust,
    private readonly metrics: BusMetrics,
  ) {}

  async answer(route: DirectRoute, message: Msg): Promise<void> {
    if (!message.reply) return; // not a request: nothing to answer, as for a `@Handles` subject
    const started = process.hrtime.bigint();
    let reply: Reply<unknown>;
    try {
      reply = await this.reply(route, message);
    } catch (err) {
      reply = { ok: false, error: failureReply(err, message.subject, this.logger) };
    }
    this.metrics.observe(route.subject.name, reply.ok ? 'ok' : reply.error.code, started);
    this.send(message, reply);
  }

  private send(message: Msg, reply: Reply<unknown>): void {
    try {
      const { data, headers } = encodeReply(reply);
      message.respond(data, { headers });
    } catch (err) {
      // Called from a NATS callback: a reply that cannot be sent (the connection closing) is logged, never thrown.
      this.logger.error({ msg: 'reply not sent', subject: message.subject, error: describeError(err) });
    }
  }

  private async reply(route: DirectRoute, message: Msg): Promise<Reply<unknown>> {
    const { data } = this.deserializer.deserialize(message.data);
    const verified = verifyPrincipal(this.trust, message.headers, message.subject, data);
    if ('code' in verified) return { ok: false, error: verified };
    const payload =
      route.accepts?.(data) && !badCharacterProblems(data).length
        ? data
        : await this.validation.transform(data, { type: 'body', metatype: route.subject.request });
    const part = (data: unknown) => this.send(message, { ok: true, data });
    return { ok: true, data: (await route.handle(payload as object, verified, part)) ?? null };
  }
}
