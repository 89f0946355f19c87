import { ErrorCode, ErrorCodes } from '@flotilla/events';

/** A rule of the domain said no. Its code maps onto the reply envelope, and so onto an HTTP status. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(what: string): DomainError {
    return new DomainError(ErrorCodes.notFound, `${what} not found`);
  }

  static conflict(message: string): DomainError {
    return new DomainError(ErrorCodes.conflict, message);
  }

  static invalid(problems: string[]): DomainError {
    return new DomainError(ErrorCodes.validationFailed, problems.join('; '), problems);
  }
}
