import {
  compareVersions,
  InvalidRequirementError,
  InvalidVersionError,
  parseRequirement,
  parseVersion,
  satisfiesRequirement,
} from './version';

const match = (version: string, requirement: string, allowPre = true) =>
  satisfiesRequirement(version, requirement, { allowPre });

describe('parseVersion', () => {
  it('reads major, minor, patch, pre-release and build', () => {
    expect(parseVersion('1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, pre: [], build: null });
    expect(parseVersion('1.4.5+ignore')).toMatchObject({ major: 1, minor: 4, patch: 5, build: 'ignore' });
    expect(parseVersion('1.4.5-6-g3318bd5').pre).toEqual(['6-g3318bd5']);
    expect(parseVersion('1.4.5-6.7.eight').pre).toEqual([6, 7, 'eight']);
    expect(parseVersion('1.4.5-6-g3318bd5+ignore').pre).toEqual(['6-g3318bd5']);
    expect(parseVersion('0.0.0').major).toBe(0);
  });

  it.each([
    'foobar',
    '2.3',
    '2',
    '2.3.0-01',
    '02.3.0',
    '2.03.0',
    '2.3.00',
    '1.0.0-',
    '1.0.0+',
    '1.0.0-a..b',
    '1.0.0-a+b+c',
    '1.2.3.4',
    ' 1.0.0',
    '1.0.0 ',
    'v1.0.0',
    '1.0.0-α',
    '',
    '123456789012345.0.0',
    '1.0.0-123456789012345',
  ])('refuses %j', (text) => {
    expect(() => parseVersion(text)).toThrow(InvalidVersionError);
  });

  it('allows long build metadata and 14-digit parts', () => {
    expect(parseVersion('12345678901234.0.0-12345678901234+123456789012345678').major).toBe(12345678901234);
  });

  it('throws errors named after their class', () => {
    try {
      parseVersion('x');
    } catch (err) {
      expect((err as Error).name).toBe('InvalidVersionError');
      expect(err).toBeInstanceOf(Error);
    }
  });
});

describe('compareVersions (SemVer precedence)', () => {
  it.each([
    ['1.0.1', '1.0.0'],
    ['1.1.0', '1.0.1'],
    ['2.1.1', '1.2.2'],
    ['1.0.0', '1.0.0-dev'],
    ['1.2.3-dev', '0.1.2'],
    ['1.0.0-a.b', '1.0.0-a'],
    ['1.0.0-b', '1.0.0-a.b'],
    ['1.0.0-a', '1.0.0-0'],
    ['1.0.0-a.b', '1.0.0-a.a'],
    ['1.0.0-alpha', '1.0.0-1'],
    ['1.0.0-alpha', '1.0.0-Alpha'],
    ['1.5.0-rc0', '1.5.0-rc.0'],
    ['1.0.0-10', '1.0.0-9'],
    ['1.0.0-rc.10', '1.0.0-rc.9'],
  ])('%s > %s', (a, b) => {
    expect(compareVersions(a, b)).toBe(1);
    expect(compareVersions(b, a)).toBe(-1);
  });

  it('is equal for equal versions, whatever their build metadata', () => {
    expect(compareVersions('1.0.0-dev', '1.0.0-dev')).toBe(0);
    expect(compareVersions('1.0.0+a', '1.0.0+b')).toBe(0);
  });

  it('refuses invalid versions', () => {
    expect(() => compareVersions('1.0', '1.0.0')).toThrow(InvalidVersionError);
    expect(() => compareVersions('1.0.0-dev', '1.0')).toThrow(InvalidVersionError);
  });
});

describe('parseRequirement', () => {
  it.each([
    '2.3.0',
    '== 2.3.0',
    '!= 2.3.0',
    '!2.3.0',
    '> 2.3.0',
    '>=2.3.0',
    '    >     2.4.0',
    '< 2.3.0',
    '<= 2.3.0',
    '~> 2.3',
    '~> 2.3.0',
    '~> 1.11-dev',
    '> 0.9.0 and < 0.10.0',
    '0.9.1 or 0.9.3 or 0.9.5',
    '>= 1.0.0 and < 2.0.0 or >= 3.0.0',
    '== 0.9.3+dev',
    ' >= 1.0.0 ',
  ])('accepts %j', (requirement) => {
    expect(parseRequirement(requirement).source).toBe(requirement);
  });

  it.each([
    '',
    ' ',
    'foo',
    '2.3',
    '> 2.3',
    '~> 3',
    '>= >= 1.0.0',
    '>>= 1.0.0',
    '== 1.0.0 and',
    'and == 1.0.0',
    '== 1.0.0 or',
    '1.0.0 2.0.0',
    '>= 1.0.0 AND < 2.0.0',
    '>= 1.0.0 && < 2.0.0',
    // Elixir's current lexer ends a version at a space: a version never holds one.
    '== 1. 0.0',
    '1.0 .0',
    '~> 1. 2',
    '!= 2. 3.0',
    '>= 1.0.0and < 2.0.0',
    '>= 1.0.0 || < 2.0.0',
    '>= 1.0.0, < 2.0.0',
    '= 1.0.0',
    '=> 1.0.0',
    '>=\t1.0.0',
    '>= 1.0.0\nand < 2.0.0',
    '>= 1.0.0and < 2.0.0',
    '~> 02.3',
    '== 1.0.0-01',
  ])('refuses %j', (requirement) => {
    expect(() => parseRequirement(requirement)).toThrow(InvalidRequirementError);
  });
});

describe('satisfiesRequirement (Elixir Version.match?)', () => {
  it('==, also implied, ignoring build metadata', () => {
    expect(match('2.3.0', '2.3.0')).toBe(true);
    expect(match('2.4.0', '2.3.0')).toBe(false);
    expect(match('2.3.0', '== 2.3.0')).toBe(true);
    expect(match('1.2.3-alpha', '1.2.3-alpha')).toBe(true);
    expect(match('0.9.3', '== 0.9.3+dev')).toBe(true);
    expect(match('1.2.3-alpha', '1.2.3')).toBe(false);
  });

  it('!= and its deprecated spelling !', () => {
    expect(match('2.4.0', '!2.3.0')).toBe(true);
    expect(match('2.3.0', '!2.3.0')).toBe(false);
    expect(match('2.4.0', '!= 2.3.0')).toBe(true);
    expect(match('2.3.0', '!= 2.3.0')).toBe(false);
  });

  it('> and >=', () => {
    expect(match('2.4.0', '> 2.3.0')).toBe(true);
    expect(match('2.2.0', '> 2.3.0')).toBe(false);
    expect(match('2.3.0', '> 2.3.0')).toBe(false);
    expect(match('1.2.3', '> 1.2.3-alpha')).toBe(true);
    expect(match('1.2.3-alpha.1', '> 1.2.3-alpha')).toBe(true);
    expect(match('1.2.3-alpha.beta.sigma', '> 1.2.3-alpha.beta')).toBe(true);
    expect(match('0.10.2-dev', '> 0.10.2')).toBe(false);
    expect(match('1.0.0+a', '> 1.0.0')).toBe(false);
    expect(match('2.3.0', '>= 2.3.0')).toBe(true);
    expect(match('2.2.0', '>= 2.3.0')).toBe(false);
    expect(match('2.1.0-rc.1', '>= 2.0.0')).toBe(true);
    expect(match('2.0.0-rc.1', '>= 2.0.0')).toBe(false);
  });

  it('< and <=', () => {
    expect(match('2.2.0', '< 2.3.0')).toBe(true);
    expect(match('2.3.0', '< 2.3.0')).toBe(false);
    expect(match('0.10.2-dev', '< 0.10.2')).toBe(true);
    expect(match('1.0.0', '< 1.0.0-dev')).toBe(false);
    expect(match('1.2.3-dev', '< 0.1.2')).toBe(false);
    expect(match('1.2.3-alpha.10', '< 1.2.3-alpha.1')).toBe(false);
    expect(match('2.3.0', '<= 2.3.0')).toBe(true);
    expect(match('2.4.0', '<= 2.3.0')).toBe(false);
  });

  it('~> with two parts: >= X.Y.0 and < (X+1).0.0-0', () => {
    expect(match('3.0.0', '~> 3.0')).toBe(true);
    expect(match('3.2.0', '~> 3.0')).toBe(true);
    expect(match('4.0.0', '~> 3.0')).toBe(false);
    expect(match('4.0.0-dev', '~> 3.0')).toBe(false);
    expect(match('3.6.0', '~> 3.5')).toBe(true);
    expect(match('3.4.9', '~> 3.5')).toBe(false);
    expect(match('0.7.0', '~> 0.0')).toBe(true);
  });

  it('~> with three parts: >= X.Y.Z and < X.(Y+1).0-0', () => {
    expect(match('3.0.2', '~> 3.0.0')).toBe(true);
    expect(match('3.1.0', '~> 3.0.0')).toBe(false);
    expect(match('3.5.4', '~> 3.5.0')).toBe(true);
    expect(match('3.6.0', '~> 3.5.0')).toBe(false);
    expect(match('0.0.5', '~> 0.0.1')).toBe(true);
    expect(match('0.1.0', '~> 0.0.1')).toBe(false);
  });

  it("~> keeps the operand's pre-release in the lower bound and never admits the upper bound's", () => {
    expect(match('0.9.3', '~> 0.9.3-dev')).toBe(true);
    expect(match('0.10.0', '~> 0.9.3-dev')).toBe(false);
    expect(match('1.11.0-dev', '~> 1.11-dev')).toBe(true);
    expect(match('0.3.0-dev', '~> 0.2.0')).toBe(false);
    expect(match('2.2.0-dev', '~> 2.1.0')).toBe(false);
    expect(match('2.2.0-dev', '~> 2.1.0-dev')).toBe(false);
    expect(match('2.1.5-rc.1', '~> 2.1.0')).toBe(true);
  });

  it('and binds tighter than or', () => {
    expect(match('0.9.3', '> 0.9.0 and < 0.10.0')).toBe(true);
    expect(match('0.10.2', '> 0.9.0 and < 0.10.0')).toBe(false);
    expect(match('0.9.5', '0.9.1 or 0.9.3 or 0.9.5')).toBe(true);
    expect(match('0.9.6', '0.9.1 or 0.9.3 or 0.9.5')).toBe(false);
    expect(match('3.0.0', '== 1.0.0 and == 2.0.0 or == 3.0.0')).toBe(true);
    // == 1.0.0 or (== 2.0.0 and == 3.0.0); folded left to right, (1 or 2) and 3, it would refuse 1.0.0.
    expect(match('1.0.0', '== 1.0.0 or == 2.0.0 and == 3.0.0')).toBe(true);
    expect(match('2.0.0', '== 1.0.0 or == 2.0.0 and == 3.0.0')).toBe(false);
  });

  it('allow_pre: false refuses a pre-release for ~>, > and >= unless the operand is one', () => {
    expect(match('1.1.0-beta', '~> 1.0', false)).toBe(false);
    expect(match('1.1.0-beta', '~> 1.0', true)).toBe(true);
    expect(match('1.1.0-beta', '> 1.0.0', false)).toBe(false);
    expect(match('1.1.0-beta', '>= 1.0.0', false)).toBe(false);
    expect(match('1.1.0-beta', '>= 1.1.0-alpha', false)).toBe(true);
    expect(match('1.1.0-beta', '~> 1.1-alpha', false)).toBe(true);
    expect(match('1.1.0-beta', '< 2.0.0', false)).toBe(true);
    expect(match('1.1.0-beta', '<= 2.0.0', false)).toBe(true);
    expect(match('1.1.0-beta', '== 1.1.0-beta', false)).toBe(true);
    expect(match('1.1.0', '~> 1.0', false)).toBe(true);
  });

  it('checks the requirement first, then the version', () => {
    expect(() => match('foo', 'bar')).toThrow(InvalidRequirementError);
    expect(() => match('2.3', '2.3.0')).toThrow(InvalidVersionError);
    expect(() => match('2.3.0', '2.3')).toThrow(InvalidRequirementError);
    expect(() => match('3.0.0', '~> 3')).toThrow(InvalidRequirementError);
    try {
      match('2.3.0', 'bar');
    } catch (err) {
      expect((err as Error).name).toBe('InvalidRequirementError');
    }
  });
});
