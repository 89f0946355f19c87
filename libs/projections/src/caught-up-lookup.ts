import { ErrorCodes } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { ProjectionRunner } from './projection-runner';

/**
 * A row of the read model, looked for again, if it is not there, once the read model holds the log as it is now: so
 * not finding it is the log's answer. A read model that cannot catch up in time (Postgres refusing writes, a long
 * catch-up after an outage) answers 503, not a 404 that a client polling what it has just created would take for
 * good. Given the aggregate whose commits hold the row (`ProjectionRunner.caughtUp`), only those are waited for.
 */
export async function findCaughtUp<T>(
  projection: ProjectionRunner,
  find: () => Promise<T | null>,
  aggregate?: { type: string; id: string },
): Promise<T | null> {
  const found = await find();
  if (found) return found;
  await caughtUpOrUnavailable(projection, aggregate);
  return find();
}

/**
 * Once the read model holds a command's own commit at `seq`, for an answer read from it; `unavailable` if not in time:
 * the change is made, but an answer now would not show it. `otherwise` tells the caller what to do meanwhile.
 */
export async function appliedOrUnavailable(
  projection: ProjectionRunner,
  seq: number,
  otherwise = 'read it again shortly',
): Promise<void> {
  if (!(await projection.waitFor(seq)))
    throw new DomainError(
      ErrorCodes.unavailable,
      `the change is made, but the ${projection.projection.name} read model is behind the log: ${otherwise}`,
    );
}

/** Once the read model holds the log as it is now (see `ProjectionRunner.caughtUp`); `unavailable` if not in time. */
export async function caughtUpOrUnavailable(
  projection: ProjectionRunner,
  aggregate?: { type: string; id: string },
): Promise<void> {
  if (!(await projection.caughtUp(aggregate)))
    throw new DomainError(
      ErrorCodes.unavailable,
      `the ${projection.projection.name} read model is behind the log: try again`,
    );
}
