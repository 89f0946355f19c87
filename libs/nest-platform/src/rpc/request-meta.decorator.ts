import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { RequestMeta } from './bus-trust';
import { REQUEST_META } from './principal.guard';

export type { RequestMeta } from './bus-trust';

/** Who is asking, as the request's verified principal says (set by PrincipalGuard, which runs first). */
export const Meta = createParamDecorator((_: unknown, context: ExecutionContext): RequestMeta => {
  const meta = (context.switchToRpc().getData() as Record<symbol, RequestMeta | undefined>)?.[REQUEST_META];
  if (!meta) throw new Error('no verified principal: PrincipalGuard must run before @Meta()');
  return meta;
});
