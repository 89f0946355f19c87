import { bodyDigest, Principal, signRequest } from '@flotilla/contracts';
import { ConfigurationError } from '../secrets';
import { BusTrust, busTrustFromEnv, BusTrustSettings } from './bus-trust';

const OLD = 'the-old-bus-key-0123456789abcdef0123';
const NEW = 'the-new-bus-key-0123456789abcdef0123';
const BILLING_OLD = 'billing-old-key-0123456789abcdef0123';
const BILLING_NEW = 'billing-new-key-0123456789abcdef0123';
const ORG = '0e5f1d2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f';
const SUBJECT = 'fleet.tenancy.cmd.create-project';

const root: Principal = { kind: 'root', actor: 'ops', issuedAt: Date.now() };
const billing: Principal = {
  kind: 'service',
  service: 'billing',
  organizationId: ORG,
  actor: 'x',
  issuedAt: Date.now(),
};

/** Whether a service with these settings takes a request for `principal` signed with `key`. */
function accepts(settings: BusTrustSettings, principal: Principal, key: string): boolean {
  const body = Buffer.from('{}');
  const headers = signRequest(principal, SUBJECT, body, key);
  const verdict = new BusTrust(settings).verify(
    { principal: headers['Flotilla-Principal'], signature: headers['Flotilla-Signature'] },
    SUBJECT,
    bodyDigest(body),
  );
  return !('reason' in verdict);
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    busTrustFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

describe('rotating a bus key', () => {
  const grant = (keys: object) => ({ billing: { ...keys, organizations: [ORG], subjects: ['fleet.tenancy.cmd.*'] } });

  it('while rotated, takes requests signed with the previous key or the new one, and no other', () => {
    const settings = busTrustFromEnv({
      FLOTILLA_BUS_KEY: NEW,
      FLOTILLA_BUS_KEY_PREVIOUS: OLD,
      FLOTILLA_BUS_GRANTS: JSON.stringify(grant({ key: BILLING_NEW, previousKey: BILLING_OLD })),
    });
    expect([accepts(settings, root, OLD), accepts(settings, root, NEW)]).toEqual([true, true]);
    expect([accepts(settings, billing, BILLING_OLD), accepts(settings, billing, BILLING_NEW)]).toEqual([true, true]);
    // Each key stays with its own kind of principal: the bus key never signs for a service, nor a service's for root.
    expect([accepts(settings, billing, OLD), accepts(settings, root, BILLING_OLD)]).toEqual([false, false]);
  });

  it('once the previous key is removed, refuses what it signs', () => {
    const settings = busTrustFromEnv({
      FLOTILLA_BUS_KEY: NEW,
      FLOTILLA_BUS_KEY_PREVIOUS: '', // as an environment that no longer sets it passes it on
      FLOTILLA_BUS_GRANTS: JSON.stringify(grant({ key: BILLING_NEW })),
    });
    expect(settings.previousBusKey).toBeNull();
    expect([accepts(settings, root, OLD), accepts(settings, root, NEW)]).toEqual([false, true]);
    expect([accepts(settings, billing, BILLING_OLD), accepts(settings, billing, BILLING_NEW)]).toEqual([false, true]);
  });

  it('in production, holds a previous key to what a key is, naming every problem and no value', () => {
    const problems = problemsOf({
      FLOTILLA_ENV: 'production',
      FLOTILLA_BUS_KEY: NEW,
      FLOTILLA_BUS_KEY_PREVIOUS: 'short-old-key',
      FLOTILLA_BUS_GRANTS: JSON.stringify(grant({ key: BILLING_NEW, previousKey: 'change-me' })),
    });
    expect(problems).toEqual([
      'FLOTILLA_BUS_KEY_PREVIOUS is shorter than 32 bytes',
      'the previous key of bus grant "billing" is a development value',
    ]);
    expect(problems.join(' ')).not.toContain('short-old-key');
  });
});
