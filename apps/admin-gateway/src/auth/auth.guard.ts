import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, TenancySubjects } from '@flotilla/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Every admin call carries X-Auth-Token: the root token, or an API key that confines it to one organization. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly rootDigest: Buffer;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly rpc: NatsRpcClient,
  ) {
    this.rootDigest = sha256(config.adminToken);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const token = request.headers['x-auth-token'];
    const correlationId = request.headers['x-request-id'] ?? randomUUID();
    if (typeof token !== 'string' || token.length === 0) throw unauthorized('missing X-Auth-Token header');
    const digest = sha256(token);
    if (timingSafeEqual(digest, this.rootDigest)) {
      request.caller = { actor: 'root', organizationId: null, correlationId };
      return true;
    }
    try {
      const key = await this.rpc.call(TenancySubjects.authenticate, {
        tokenHash: digest.toString('hex'),
      });
      request.caller = { actor: `api-key:${key.keyId}`, organizationId: key.organizationId, correlationId };
      return true;
    } catch (err) {
      // Only the tenancy service's own "no such key" is a 401; a service in trouble stays a 503 (or a 500).
      if (err instanceof RemoteError && err.error.code === ErrorCodes.unauthorized)
        throw unauthorized('invalid X-Auth-Token');
      throw err;
    }
  }
}

function unauthorized(message: string): RemoteError {
  return new RemoteError({ code: ErrorCodes.unauthorized, message });
}
