import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, ErrorCodes } from '@flotilla/contracts';
import { RemoteError } from './nats-rpc.client';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCodes.validationFailed]: 422,
  [ErrorCodes.idempotencyMismatch]: 422,
  [ErrorCodes.unauthorized]: 401,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.conflict]: 409,
  [ErrorCodes.unavailable]: 503,
  [ErrorCodes.internal]: 500,
};

/** What a client is told of a failure that is ours: nothing of its cause (that is logged). */
export const INTERNAL_ERROR_BODY = Object.freeze({ errors: Object.freeze(['internal error']) });

/** A service's error as Metal answers it: the status its code calls for and `{"errors": [...]}`. */
export function remoteErrorAnswer({ error: { code, message, details } }: RemoteError) {
  return { status: STATUS[code] ?? 500, body: { errors: details?.length ? details : [message] } };
}

/**
 * A 503 says when to ask again: in a second, as an outage here is a restart or an election, over in seconds; or at a
 * time spread over `spreadSeconds`, so that many callers turned away together (a fleet of devices) do not come back in
 * the same second.
 */
export function retryHeaders(status: number, spreadSeconds = 0): Record<string, string> {
  if (status !== 503) return {};
  return { 'retry-after': String(1 + Math.floor(Math.random() * spreadSeconds)) };
}

/**
 * Errors as Equinix Metal answered them: `{"errors": [...]}` with the status the code calls for. Bad input is 4xx
 * (a body's own failures are answered in json-bodies.ts), a dependency that is away 503; only a bug is a 500.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof RemoteError) {
      const { status, body } = remoteErrorAnswer(exception);
      response.status(status).set(retryHeaders(status)).json(body);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as { message?: string | string[] };
      const messages = Array.isArray(body?.message) ? body.message : [body?.message ?? exception.message];
      // A 400 of the framework (a path that is not valid percent-encoding, ...) is bad input like any other.
      response.status(status === 400 ? 422 : status).json({ errors: messages });
      return;
    }
    this.logger.error({ msg: 'unhandled error', error: String(exception) });
    response.status(500).json(INTERNAL_ERROR_BODY);
  }
}
