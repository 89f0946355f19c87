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

/** Errors as Equinix Metal answered them: `{"errors": [...]}` with the status the code calls for. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof RemoteError) {
      const { code, message, details } = exception.error;
      response.status(STATUS[code] ?? 500).json({ errors: details?.length ? details : [message] });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // A body that is not JSON is bad input like any other.
      const body = exception.getResponse() as { message?: string | string[] };
      const messages = Array.isArray(body?.message) ? body.message : [body?.message ?? exception.message];
      response.status(status === 400 ? 422 : status).json({ errors: messages });
      return;
    }
    this.logger.error({ msg: 'unhandled error', error: String(exception) });
    response.status(500).json({ errors: ['internal error'] });
  }
}
