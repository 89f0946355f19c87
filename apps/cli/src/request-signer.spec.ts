import { ConfigurationError } from '@flotilla/nest-platform';
import { requestSigner } from './request-signer';

const ORG = '6f1c2f0e-7c55-4a38-9a43-1f9d3c1a2b10';
const BUS_KEY = 'flotilla-test-bus-key-0123456789abcdef';

describe('requestSigner', () => {
  it('signs with the bus key as root, or confined to the organization named, never as root when one is', () => {
    const env = { FLOTILLA_BUS_KEY: BUS_KEY, USER: 'ops' };
    expect(requestSigner(undefined, env)).toEqual({ principal: { kind: 'root', actor: 'cli:ops' }, key: BUS_KEY });
    expect(requestSigner(ORG, env)).toEqual({
      principal: { kind: 'organization', organizationId: ORG, actor: 'cli:ops' },
      key: BUS_KEY,
    });
  });

  it('signs as a named service with its own key, for one organization only', () => {
    const env = { FLOTILLA_SERVICE_NAME: 'billing', FLOTILLA_SERVICE_KEY: 'k'.repeat(40) };
    expect(requestSigner(ORG, env)).toEqual({
      principal: { kind: 'service', service: 'billing', organizationId: ORG, actor: 'cli' },
      key: 'k'.repeat(40),
    });
    expect(() => requestSigner(undefined, env)).toThrow(ConfigurationError);
  });
});
