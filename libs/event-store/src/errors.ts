/** Another writer appended to the aggregate since it was read; reload and decide again. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly subject: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | null,
  ) {
    super(`${subject} is at version ${actualVersion ?? 'unknown'}, expected ${expectedVersion}`);
  }
}

/**
 * A failure that says a dependency is not as it should be, found by our own code rather than by a driver (a read
 * model's database holding less than it did): a dependency's failure, so the line waits and nothing is parked.
 */
export class DependencyError extends Error {
  override readonly name: string = 'DependencyError';
}

/** An aggregate id that would not make a literal subject: it names no aggregate (see `isAggregateId`). */
export class InvalidAggregateIdError extends Error {
  override readonly name = 'InvalidAggregateIdError';
  constructor(readonly aggregateId: string) {
    super(`${JSON.stringify(aggregateId)} is not an aggregate id`);
  }
}

/** A command id was used before for a different request. */
export class IdempotencyMismatchError extends Error {
  override readonly name = 'IdempotencyMismatchError';
  constructor(readonly commandId: string) {
    super('idempotency key reused with different parameters');
  }
}

/**
 * An event of a schema version above the one this code reads, or of a type it does not know (`known` null): written by
 * a newer release of it (during a rolling deploy, by an instance already upgraded). It is never read as an older
 * version nor passed over; it waits for an instance that knows it, so it is a failure that passes, not one to park.
 */
export class NewerEventVersionError extends Error {
  override readonly name = 'NewerEventVersionError';
  constructor(type: string, version: number, known: number | null) {
    super(
      known === null
        ? `${type} v${version} was written by a newer release (this one does not know ${type})`
        : `${type} v${version} was written by a newer release (this one reads up to v${known})`,
    );
  }
}

export class UnknownEventVersionError extends Error {
  override readonly name = 'UnknownEventVersionError';
  constructor(type: string, version: number) {
    super(`no upcaster for ${type} v${version}`);
  }
}
