/** What a direct route's shortcut is checked against: full validation, as the bus's validation pipe does it. */
interface PayloadValidation {
  transform(value: unknown, metadata: { type: 'body'; metatype: new () => object }): Promise<unknown>;
}

/**
 * A direct route hands a payload on unvalidated when its `accepts` says it is exactly its request class, each field
 * valid. Checked against the pipe: `plain` payloads are accepted and pass the pipe unchanged; `reshaped` ones are valid
 * but not as they are (a field stripped, null for an optional one), so not accepted and validated in full; `invalid`
 * ones are neither accepted nor passed.
 */
export async function expectAcceptsOnlyWhatValidationPasses(
  route: { accepts?(payload: object): boolean },
  pipe: PayloadValidation,
  request: new () => object,
  cases: { plain: object[]; reshaped: object[]; invalid: object[] },
): Promise<void> {
  const validate = (payload: object): Promise<{ valid?: object; problems?: string[] }> =>
    pipe.transform(payload, { type: 'body', metatype: request }).then(
      (valid) => ({ valid: { ...(valid as object) } }),
      (err: { error?: { details?: string[] } }) => ({ problems: err.error?.details }),
    );
  for (const payload of cases.plain) {
    expect(route.accepts?.(payload)).toBe(true);
    expect(await validate(payload)).toEqual({ valid: payload });
  }
  for (const payload of cases.reshaped) {
    expect(route.accepts?.(payload)).toBe(false);
    expect(await validate(payload)).toHaveProperty('valid');
  }
  for (const payload of cases.invalid) {
    expect(route.accepts?.(payload)).toBe(false);
    expect((await validate(payload)).problems?.length).toBeGreaterThan(0);
  }
}
