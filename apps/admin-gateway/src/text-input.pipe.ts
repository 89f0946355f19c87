import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { badCharacterProblems, ErrorCodes } from '@flotilla/contracts';
import { RemoteError } from './nats-rpc.client';

/**
 * Refuses, at the edge, a body, path parameter or query string holding a control character or broken text in any
 * string (platform-wide rule, libs/contracts text.ts): 422 with every such field listed, and nothing sent on.
 */
export class TextInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problems = badCharacterProblems(value, metadata.type === 'body' ? 'body' : (metadata.data ?? metadata.type));
    if (problems.length)
      throw new RemoteError({ code: ErrorCodes.validationFailed, message: problems.join('; '), details: problems });
    return value;
  }
}
