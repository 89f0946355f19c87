/** A type with its intersections and aliases spelled out, all the way down (arrays and tuples stay what they are). */
type Plain<T> = T extends object ? { [K in keyof T]: Plain<T[K]> } : T;

/**
 * `true` when A and B have the same shape to the letter (optional and readonly marks included), however each is
 * written, else `false`: assigning `true` to it makes the compiler check that a type keeps the shape written beside it.
 */
export type Same<A, B> =
  (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;
