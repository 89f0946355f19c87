import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Authenticator } from './authenticator';

/**
 * Every admin call is authenticated (see Authenticator). A call with a body was already, before its body was read
 * (json-bodies.ts): the caller found then is kept.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    request.caller ??= await this.authenticator.callerOf(request.headers);
    return true;
  }
}
