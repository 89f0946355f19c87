import { hash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCodes, TenancySubjects, tokenOrganization } from '@flotilla/contracts';
import { requestIdOf } from '@flotilla/nest-platform';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';
import { Caller } from './caller';

const sha256 = (value: string) => hash('sha256', value, 'buffer');

/** Who an admin call comes from, by its X-Auth-Token: the root token, or an API key confined to one organization. */
@Injectable()
export class Authenticator {
  private readonly rootDigest: Buffer;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly rpc: NatsRpcClient,
  ) {
    this.rootDigest = sha256(config.adminToken);
  }

  /** The caller, or a RemoteError: 401 for a missing or unknown token, 503 while the tenancy service is away. */
  async callerOf(headers: IncomingHttpHeaders): Promise<Caller> {
    const token = headers['x-auth-token'];
    const correlationId = requestIdOf(headers); // as tagRequests set it
    if (typeof token !== 'string' || token.length === 0) throw unauthorized('missing X-Auth-Token header');
    const digest = sha256(token);
    if (timingSafeEqual(digest, this.rootDigest)) return { actor: 'root', organizationId: null, correlationId };
    try {
      const key = await this.rpc.call(TenancySubjects.authenticate, {
        tokenHash: digest.toString('hex'),
        tokenOrganizationId: tokenOrganization(token),
      });
      return { actor: `api-key:${key.keyId}`, organizationId: key.organizationId, correlationId };
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
