import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { badCharacterProblems, ErrorCodes } from '@flotilla/contracts';
import { RemoteError } from './nats-rpc.client';

/**
 * Refuses, at the edge, a path parameter or query string holding a control character or broken text (platform-wide
 * rule, libs/contracts text.ts): 422 with every such field listed, and nothing sent on. Bodies go on to the service
 * whose subject they are for: its validation refuses the same characters before any handler, and lists them together
 * with the body's other problems, which this pipe could not.
 */
export class TextInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom' || metadata.type === 'body') return value;
    const problems = badCharacterProblems(value, metadata.data ?? metadata.type);
    if (problems.length)
      throw new RemoteError({ code: ErrorCodes.validationFailed, message: problems.join('; '), details: problems });
    return value;
  }
}
