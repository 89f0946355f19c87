import { apiKeyToken, tokenOrganization } from './api-key-token';

describe("an API key's token", () => {
  const organizationId = '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00';

  it('names its organization, which the gateway reads back to say where a key not found is to be waited for', () => {
    const token = apiKeyToken(organizationId, 'c2VjcmV0_with-dashes_and_underscores');
    expect(token).toBe('flt_0f1e2d3c4b5a49788a6b5c4d3e2f1a00_c2VjcmV0_with-dashes_and_underscores');
    expect(tokenOrganization(token)).toBe(organizationId);
  });

  it('names no organization for a token of the older form, the root token, or anything else', () => {
    for (const token of ['flt_c2VjcmV0', 'flt_root_c2VjcmV0', 'flt_0F1E2D3C4B5A49788A6B5C4D3E2F1A00_x', 'x', ''])
      expect(tokenOrganization(token)).toBeUndefined();
  });
});
