import 'reflect-metadata';
import { CommandBus } from '@nestjs/cqrs';
import { ResolveRequest } from '@flotilla/contracts';
import { RpcValidationPipe } from '@flotilla/nest-platform';
import { expectAcceptsOnlyWhatValidationPasses } from '@flotilla/testing';
import { ResolveUpdateRoute } from './resolve-update.route';

describe('the device check route', () => {
  const route = new ResolveUpdateRoute({} as CommandBus);
  const hash = 'a'.repeat(64);
  const headers = { uuid: 'u', product: 'p', version: '1.0.0', architecture: 'arm', platform: 'rpi' };

  it('accepts only what the validation pipe would pass unchanged', async () => {
    await expectAcceptsOnlyWhatValidationPasses(route, new RpcValidationPipe(), ResolveRequest, {
      plain: [
        { credentialHash: hash, headers, preflight: false },
        { credentialHash: hash, headers: {}, preflight: true },
        { credentialHash: hash, headers: {} },
      ],
      reshaped: [
        { credentialHash: hash, headers, extra: 1 },
        { credentialHash: hash, headers, constructor: 1 }, // a field named as an object's own property is a field too
        { credentialHash: hash, headers, preflight: null },
      ],
      invalid: [
        { credentialHash: `${hash}a`, headers },
        { credentialHash: 7, headers },
        { headers },
        { credentialHash: hash, headers: [] },
        { credentialHash: hash, headers: null },
        { credentialHash: hash, headers: 'x' },
        { credentialHash: hash, headers, preflight: 'yes' },
      ],
    });
  });
});
