/**
 * One property decorator that applies these in the order given (TypeScript applies those written above a property
 * the lowest first).
 */
export const allOf =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) =>
    decorators.forEach((decorate) => decorate(target, key));
