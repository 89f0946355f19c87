import { ValidationError, ValidationPipe } from '@nestjs/common';
import { badCharacterProblems, ErrorCodes } from '@flotilla/contracts';
import { INVALID_PAYLOAD } from './reply-codec';
import { RpcFailure } from './rpc-exception.filter';

/** Checks of a value's kind: when one fails, the checks of its size or form say nothing more. */
const KIND_CHECKS = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isObject']);

/**
 * The constraints worth telling: a missing array is "must be an array" alone, not also "should not be empty", nor
 * that its items must be objects (a kind check of each item).
 */
function told(constraints: Record<string, string> = {}): string[] {
  if (constraints.isArray) return [constraints.isArray];
  const kind = Object.keys(constraints).filter((name) => KIND_CHECKS.has(name));
  return (kind.length ? kind : Object.keys(constraints)).map((name) => constraints[name]);
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = told(error.constraints).map((message) => (parent ? message.replace(error.property, path) : message));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

const invalid = (details: string[]) =>
  new RpcFailure({ code: ErrorCodes.validationFailed, message: details.join('; '), details });

/**
 * Validates a payload against its class-validator class, listing every problem in one error reply (a control character
 * in any string among them). A payload that is not a JSON object, or holds such a character, never reaches a handler.
 */
export class RpcValidationPipe extends ValidationPipe {
  constructor() {
    super({ transform: true, whitelist: true, exceptionFactory: (errors) => invalid(flatten(errors)) });
  }

  override async transform(value: unknown, metadata: Parameters<ValidationPipe['transform']>[1]): Promise<unknown> {
    if (metadata.type !== 'body') return super.transform(value, metadata);
    const invalidPayload = (value as Record<symbol, string> | null)?.[INVALID_PAYLOAD];
    if (invalidPayload) throw invalid([invalidPayload]);
    const bad = badCharacterProblems(value);
    if (!bad.length) return super.transform(value, metadata);
    // The payload's other problems are told beside, so one reply lists them all; it goes no further either way.
    const others = await super.transform(value, metadata).then(
      () => [],
      (err) => (err instanceof RpcFailure ? (err.error.details ?? []) : []),
    );
    throw invalid([...bad, ...others]);
  }
}
