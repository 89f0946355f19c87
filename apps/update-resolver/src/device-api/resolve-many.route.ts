import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  RESOLVE_MANY_MAX_CHECKS,
  Reply,
  ResolveCheck,
  ResolveManyPart,
  ResolveManyRequest,
  UpdateAnswer,
  UpdateSubjects,
} from '@flotilla/contracts';
import { atTurnEnd, DirectRoute, failureReply, RequestMeta } from '@flotilla/nest-platform';
import { ResolveUpdateCommand } from './resolve-update';
import { isPlainCheck } from './resolve-update.route';

/**
 * The device checks of one turn of the gateway, answered together: each as `resolve` answers it (its own reply
 * envelope, its own correlation), side by side. Answers leave in parts, with the NATS writes of the turn they were
 * made in, so the checks that only read (nine in ten) are not held back by those that wait on an append.
 */
@Injectable()
export class ResolveManyRoute implements DirectRoute<ResolveManyRequest> {
  readonly subject = UpdateSubjects.resolveMany;
  private readonly logger = new Logger('rpc');

  constructor(private readonly commands: CommandBus) {}

  accepts(payload: object): payload is ResolveManyRequest {
    const { checks, ...rest } = payload as Partial<ResolveManyRequest>;
    return (
      Array.isArray(checks) &&
      checks.length > 0 &&
      checks.length <= RESOLVE_MANY_MAX_CHECKS &&
      Object.keys(rest).length === 0 &&
      checks.every(
        (check) =>
          isPlainCheck(check, ['correlationId']) &&
          (check.correlationId === undefined ||
            (typeof check.correlationId === 'string' && check.correlationId.length <= 200)),
      )
    );
  }

  async handle(
    { checks }: ResolveManyRequest,
    meta: RequestMeta,
    part: (data: ResolveManyPart) => void,
  ): Promise<ResolveManyPart> {
    let answered: ResolveManyPart['answers'] = [];
    let done = false;
    let sending = false;
    const sendAnswered = () => {
      sending = false;
      if (done) return; // the last part, returned below, carries them
      part({ answers: answered });
      answered = [];
    };
    await Promise.all(
      checks.map(async (check, index) => {
        const reply = await this.resolve(check, meta);
        answered.push({ check: index, reply }); // the list as it is now: a part may have been sent meanwhile
        if (!sending) {
          sending = true;
          atTurnEnd(sendAnswered);
        }
      }),
    );
    done = true;
    return { answers: answered };
  }

  private resolve({ correlationId, ...check }: ResolveCheck, meta: RequestMeta): Promise<Reply<UpdateAnswer>> {
    return this.commands
      .execute<ResolveUpdateCommand, UpdateAnswer>(
        new ResolveUpdateCommand(check, { ...meta, correlationId: correlationId ?? meta.correlationId }),
      )
      .then(
        (data) => ({ ok: true, data }),
        (err: unknown) => ({ ok: false, error: failureReply(err, this.subject.name, this.logger) }),
      );
  }
}
