import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { COMMAND_ID_MAX_CHARS, ErrorCodes } from '@flotilla/contracts';
import { RemoteError } from './nats-rpc.client';

/** What an `Idempotency-Key` may be: printable ASCII, as long as the bus's `commandId` it becomes may be. */
const IDEMPOTENCY_KEY = new RegExp(`^[\\x20-\\x7e]{1,${COMMAND_ID_MAX_CHARS}}$`);
const IDEMPOTENCY_KEY_RULE = `1 to ${COMMAND_ID_MAX_CHARS} printable ASCII characters`;

/** The request's `Idempotency-Key` as the bus's `commandId` (undefined without one); a malformed key is a 422. */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const key: string | undefined = context.switchToHttp().getRequest().headers['idempotency-key'];
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
    throw new RemoteError({
      code: ErrorCodes.validationFailed,
      message: `Idempotency-Key must be ${IDEMPOTENCY_KEY_RULE}`,
    });
  return key;
});

/** Documents a create's `Idempotency-Key`; `repeat` is what a repeat answers. */
export const ApiIdempotencyKey = (repeat: string) =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      `a repeat with the same key and body answers ${repeat} and creates nothing; the same key with another body is ` +
      `a 422; ${IDEMPOTENCY_KEY_RULE}`,
  });
