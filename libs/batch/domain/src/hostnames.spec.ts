import { expandHostnames, isValidHostname } from './hostnames';

describe('hostnames', () => {
  const ids = () => {
    let n = 0;
    return () => `id${++n}`;
  };

  it('replaces {{index}} with the index padded to two digits', () => {
    expect(expandHostnames({ hostname: 's{{index}}.x.com', quantity: 3, plan: 'c1.small.x86' }, ids())).toEqual([
      's01.x.com',
      's02.x.com',
      's03.x.com',
    ]);
  });

  it('pads to the number of digits of the quantity when that is more than two', () => {
    const names = expandHostnames({ hostname: 's{{index}}', quantity: 150, plan: 'c1.small.x86' }, ids());
    expect(names[0]).toBe('s001');
    expect(names[149]).toBe('s150');
  });

  it('gives every device the same name when there is no token, as the real API did', () => {
    expect(expandHostnames({ hostname: 'web', quantity: 2, plan: 'c1.small.x86' }, ids())).toEqual(['web', 'web']);
  });

  it('takes names from hostnames in order', () => {
    expect(expandHostnames({ hostnames: ['a', 'b'], quantity: 2, plan: 'c1.small.x86' }, ids())).toEqual(['a', 'b']);
  });

  it('generates <plan prefix>-<short id> without any name', () => {
    expect(expandHostnames({ quantity: 2, plan: 'c1.small.x86' }, ids())).toEqual(['c1-id1', 'c1-id2']);
  });

  it.each([
    ['web-01.example.com', true],
    ['a', true],
    ['-web', false],
    ['web-', false],
    ['we_b', false],
    ['a..b', false],
    ['x'.repeat(64), false],
    ['', false],
  ])('%s is valid: %s', (name, valid) => {
    expect(isValidHostname(name)).toBe(valid);
  });
});
