import 'reflect-metadata';
import { CommandBus } from '@nestjs/cqrs';
import { ResolveRequest } from '@flotilla/contracts';
import { RpcValidationPipe } from '@flotilla/nest-platform';
import { ResolveUpdateRoute } from './resolve-update.route';

describe('the device check route', () => {
  const route = new ResolveUpdateRoute({} as CommandBus);
  const validate = (payload: object): Promise<{ valid?: object; problems?: string[] }> =>
    new RpcValidationPipe().transform(payload, { type: 'body', metatype: ResolveRequest }).then(
      (valid) => ({ valid: { ...(valid as object) } }),
      (err: { error?: { details?: string[] } }) => ({ problems: err.error?.details }),
    );
  const hash = 'a'.repeat(64);
  const headers = { uuid: 'u', product: 'p', version: '1.0.0', architecture: 'arm', platform: 'rpi' };

  it('accepts only what the validation pipe would pass unchanged', async () => {
    const plain = [
      { credentialHash: hash, headers, preflight: false },
      { credentialHash: hash, headers: {}, preflight: true },
      { credentialHash: hash, headers: {} },
    ];
    // Valid, but not as they are (a field stripped, null for an optional field): validated in full.
    const reshaped: object[] = [
      { credentialHash: hash, headers, extra: 1 },
      { credentialHash: hash, headers, constructor: 1 }, // a field named as an object's own property is a field too
      { credentialHash: hash, headers, preflight: null },
    ];
    const invalid = [
      { credentialHash: `${hash}a`, headers },
      { credentialHash: 7, headers },
      { headers },
      { credentialHash: hash, headers: [] },
      { credentialHash: hash, headers: null },
      { credentialHash: hash, headers: 'x' },
      { credentialHash: hash, headers, preflight: 'yes' },
    ];
    for (const payload of plain) {
      expect(route.accepts(payload)).toBe(true);
      expect(await validate(payload)).toEqual({ valid: payload });
    }
    for (const payload of reshaped) {
      expect(route.accepts(payload)).toBe(false);
      expect(await validate(payload)).toHaveProperty('valid');
    }
    for (const payload of invalid) {
      expect(route.accepts(payload)).toBe(false);
      expect((await validate(payload)).problems?.length).toBeGreaterThan(0);
    }
  });
});
