/** What `act` throws, for a test to look into; a test fails if it throws nothing. */
export function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw, and nothing was thrown');
}
