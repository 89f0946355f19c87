import { IsString, MaxLength } from 'class-validator';
import { allOf } from './all-of';
import { Optional } from './optional';

/** The longest id a create may repeat itself by (HTTP's `Idempotency-Key`). */
export const COMMAND_ID_MAX_CHARS = 64;

/**
 * Idempotency: a create repeated with the same id and body is answered with its first result and writes nothing; the
 * same id with another body is refused.
 */
export const CommandId = (): PropertyDecorator => allOf(Optional(), IsString(), MaxLength(COMMAND_ID_MAX_CHARS));
