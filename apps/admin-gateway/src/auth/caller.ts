import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who made an HTTP request: the root token (no organization) or an organization's API key. */
export interface Caller {
  actor: string;
  organizationId: string | null;
  correlationId?: string;
}

export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => context.switchToHttp().getRequest().caller,
);
