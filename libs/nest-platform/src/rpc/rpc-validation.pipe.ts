import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorCodes } from '@flotilla/contracts';
import { UNPARSEABLE } from './reply-codec';
import { RpcFailure } from './rpc-exception.filter';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => (parent ? message.replace(error.property, path) : message));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** Validates a payload against its class-validator class, listing every problem in one error reply. */
export class RpcValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      exceptionFactory: (errors) => {
        const details = flatten(errors);
        return new RpcFailure({ code: ErrorCodes.validationFailed, message: details.join('; '), details });
      },
    });
  }

  override async transform(value: unknown, metadata: Parameters<ValidationPipe['transform']>[1]): Promise<unknown> {
    if (value && typeof value === 'object' && UNPARSEABLE in value) {
      throw new RpcFailure({ code: ErrorCodes.validationFailed, message: 'payload is not valid JSON', details: ['payload is not valid JSON'] });
    }
    if (metadata.type === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new RpcFailure({ code: ErrorCodes.validationFailed, message: 'payload must be a JSON object', details: ['payload must be a JSON object'] });
    }
    return super.transform(value, metadata);
  }
}
