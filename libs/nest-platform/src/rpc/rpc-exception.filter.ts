import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { ErrorCodes, ReplyError } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { ConcurrencyError, describeError, IdempotencyMismatchError, isTransient } from '@flotilla/event-store';

/** A failed command or query answers with an error envelope: never a timeout, never a crash. */
export class RpcFailure extends Error {
  constructor(readonly error: ReplyError) {
    super(error.message);
  }
}

/**
 * Maps what went wrong to the reply's error code. A dependency that is away (Postgres restarting, a JetStream
 * election) is `unavailable`, which callers may retry (HTTP 503); only a bug is `internal`.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('rpc');

  catch(exception: unknown, host: ArgumentsHost): Observable<ReplyError> {
    const error = failureReply(exception, host.switchToRpc().getContext()?.getSubject?.(), this.logger);
    return throwError(() => error);
  }
}

/** The reply error a failure answers with, logged when it is a bug or an outage (never a refusal). */
export function failureReply(exception: unknown, subject: string | undefined, logger: Logger): ReplyError {
  const error = replyErrorOf(exception);
  if (error.code === ErrorCodes.internal)
    logger.error({ msg: 'command failed', subject, error: describeError(exception) });
  if (error.code === ErrorCodes.unavailable)
    logger.warn({ msg: 'dependency unavailable', subject, error: describeError(exception) });
  return error;
}

/** The reply error a failure answers with. */
export function replyErrorOf(exception: unknown): ReplyError {
  if (exception instanceof RpcFailure) return exception.error;
  if (exception instanceof DomainError)
    return { code: exception.code, message: exception.message, details: exception.details };
  if (exception instanceof IdempotencyMismatchError)
    return { code: ErrorCodes.idempotencyMismatch, message: exception.message };
  if (exception instanceof ConcurrencyError)
    return { code: ErrorCodes.conflict, message: 'too many concurrent changes, try again' };
  if (isTransient(exception))
    return { code: ErrorCodes.unavailable, message: 'a dependency is unavailable, try again' };
  return { code: ErrorCodes.internal, message: 'internal error' };
}
