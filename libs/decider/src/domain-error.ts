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

/**
 * Runs every check, each of which may refuse with `DomainError.invalid`; if any did, throws one error listing all
 * their problems, so a request with several is told of each at once. Answers the checks' results otherwise.
 */
export function everyProblem<T extends unknown[]>(...checks: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const results = checks.map((check) => {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== ErrorCodes.validationFailed) throw err;
      problems.push(...err.details);
      return undefined;
    }
  });
  if (problems.length) throw DomainError.invalid(problems);
  return results as T;
}
