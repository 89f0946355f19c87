import { DomainError, everyProblem } from './domain-error';

describe('everyProblem', () => {
  const refuse =
    (...problems: string[]) =>
    () => {
      throw DomainError.invalid(problems);
    };

  it("answers every check's result when none refuses", () => {
    expect(
      everyProblem(
        () => 1,
        () => 'two',
      ),
    ).toEqual([1, 'two']);
  });

  it('runs every check and lists the problems of all that refuse, in order', () => {
    let ran = false;
    const error = (() => {
      try {
        everyProblem(refuse('a', 'b'), () => (ran = true), refuse('c'));
      } catch (err) {
        return err as DomainError;
      }
    })();
    expect(ran).toBe(true);
    expect(error).toMatchObject({ code: 'validation_failed', details: ['a', 'b', 'c'], message: 'a; b; c' });
  });

  it('lets any other error through at once', () => {
    const notFound = DomainError.notFound('product');
    expect(() =>
      everyProblem(refuse('a'), () => {
        throw notFound;
      }),
    ).toThrow(notFound);
  });
});
