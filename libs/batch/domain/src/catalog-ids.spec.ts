import { catalogCode, catalogId } from './catalog-ids';

describe('catalog ids', () => {
  it('are the ones clients have kept: the same for a code on every instance and release', () => {
    expect(catalogId('metro', 'sv')).toBe('a900e736-c386-5902-a894-87cd7cf519a5');
    expect(catalogId('facility', 'sjc1')).toBe('14f1c8b6-4dd2-5955-baae-cc89a209a99e');
    expect(catalogId('plan', 'c3.medium.x86')).toBe('e24271a9-eb65-591f-9f08-21553daf52f4');
    expect(catalogId('operating-system', 'ubuntu_22_04')).toBe('2638c2f5-c5df-5233-ba00-f0f01d340bc5');
  });

  it('name a code of their own kind only, in either case; a code names itself in any case', () => {
    const facilities = new Set(['sjc1', 'ewr1']);
    expect(catalogCode('facility', 'EWR1', facilities)).toBe('ewr1');
    expect(catalogCode('facility', catalogId('facility', 'sjc1').toUpperCase(), facilities)).toBe('sjc1');
    expect(catalogCode('metro', catalogId('facility', 'sjc1'), facilities)).toBeUndefined();
    expect(catalogCode('facility', catalogId('facility', 'dfw1'), facilities)).toBeUndefined();
    expect(catalogCode('facility', 'dfw1', facilities)).toBeUndefined();
  });
});
