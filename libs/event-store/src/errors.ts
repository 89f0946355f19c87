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

/** A command id was used before for a different request. */
export class IdempotencyMismatchError extends Error {
  override readonly name = 'IdempotencyMismatchError';
  constructor(readonly commandId: string) {
    super('idempotency key reused with different parameters');
  }
}

export class UnknownEventVersionError extends Error {
  override readonly name = 'UnknownEventVersionError';
  constructor(type: string, version: number) {
    super(`no upcaster for ${type} v${version}`);
  }
}
