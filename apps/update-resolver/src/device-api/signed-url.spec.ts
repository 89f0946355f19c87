import { signFirmwareUrl, verifyFirmwareUrl } from './signed-url';

const key = 'k'.repeat(32);
const until = new Date('2030-01-01T00:00:00Z');
const before = new Date('2029-12-31T23:59:59Z');

describe('signed firmware URLs', () => {
  it('carry their expiry and signature in the query, before a fragment, which the request leaves out', () => {
    const signed = signFirmwareUrl('https://cdn.example/fw.bin?v=2#sha256=ab', key, until);
    expect(signed).toMatch(
      /^https:\/\/cdn\.example\/fw\.bin\?v=2&expires=1893456000&signature=[0-9a-f]{64}#sha256=ab$/,
    );
    const requested = new URL(signed);
    expect(requested.searchParams.get('expires')).toBe('1893456000');
    expect(verifyFirmwareUrl(`${requested.origin}${requested.pathname}${requested.search}`, key, before)).toBe(true);
    expect(verifyFirmwareUrl(signed, key, before)).toBe(true);
  });

  it('are refused when changed, signed with another key, or expired', () => {
    const signed = signFirmwareUrl('https://cdn.example/fw.bin', key, until);
    expect(signed).toMatch(/^https:\/\/cdn\.example\/fw\.bin\?expires=1893456000&signature=[0-9a-f]{64}$/);
    expect(verifyFirmwareUrl(signed, key, before)).toBe(true);
    expect(verifyFirmwareUrl(signed.replace('fw.bin', 'fw2.bin'), key, before)).toBe(false);
    expect(verifyFirmwareUrl(signed.replace('expires=1893456000', 'expires=1893456001'), key, before)).toBe(false);
    expect(verifyFirmwareUrl(signed, 'x'.repeat(32), before)).toBe(false);
    expect(verifyFirmwareUrl(signed, key, until)).toBe(false);
  });
});
