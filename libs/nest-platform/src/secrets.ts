/** Development values of every secret: fine on a laptop, refused in production (and by their length anyway). */
const DEVELOPMENT_VALUES: Record<string, string> = {
  FLOTILLA_BUS_KEY: 'flotilla-development-bus-key',
  FIRMWARE_URL_SIGNING_KEY: 'flotilla-development-signing-key',
  DEVICE_CREDENTIAL_KEY: 'flotilla-development-credential-key',
};

/** Values seen in examples and earlier defaults, refused in production whatever their length. */
const KNOWN_DEVELOPMENT_VALUES = new Set([
  ...Object.values(DEVELOPMENT_VALUES),
  'change-me',
  'change-me-too',
  'change-me-three',
  'changeme',
  'secret',
  'password',
  'development',
]);

export const MIN_SECRET_BYTES = 32;

/** The app cannot start as configured; the message says every reason. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: string[]) {
    super(`refusing to start: ${problems.join('; ')}`);
  }
}

/** `FLOTILLA_ENV=production`: secrets must be real, and the services must log in to NATS. */
export const isProduction = (env: NodeJS.ProcessEnv = process.env) => env.FLOTILLA_ENV === 'production';

/** Why a secret's value is not fit for production, if it is not. Never says the value. */
export function secretProblem(name: string, value: string | undefined): string | null {
  if (!value) return `${name} is not set`;
  if (KNOWN_DEVELOPMENT_VALUES.has(value) || value.startsWith('flotilla-development'))
    return `${name} is a development value`;
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES) return `${name} is shorter than ${MIN_SECRET_BYTES} bytes`;
  return null;
}

/**
 * Reads secrets from the environment. In production every one must be set, at least 32 bytes and not a development
 * value, or start-up stops with all the problems listed. Elsewhere a missing one falls back to its development value,
 * with a warning on stderr; nothing here ever writes a secret's value anywhere.
 */
export function readSecrets<Name extends string>(
  names: readonly Name[],
  env: NodeJS.ProcessEnv = process.env,
): Record<Name, string> {
  const problems: string[] = [];
  // A misspelt `production` would run with development keys: any other value stops start-up, its secrets held to
  // production's rules meanwhile.
  const unknownEnvironment = !['', 'development', 'production'].includes(env.FLOTILLA_ENV ?? '');
  if (unknownEnvironment) problems.push('FLOTILLA_ENV must be production or development (unset: development)');
  const values = {} as Record<Name, string>;
  for (const name of names) {
    const value = env[name];
    if (isProduction(env) || unknownEnvironment) {
      const problem = secretProblem(name, value);
      if (problem) problems.push(problem);
      values[name] = value ?? '';
    } else if (value) {
      values[name] = value;
    } else {
      const fallback = DEVELOPMENT_VALUES[name];
      if (!fallback) problems.push(`${name} is not set`);
      else
        process.stderr.write(
          `warning: ${name} is not set: using its development value (FLOTILLA_ENV=production refuses to start so)\n`,
        );
      values[name] = fallback ?? '';
    }
  }
  if (problems.length) throw new ConfigurationError(problems);
  return values;
}

/**
 * Reads every part of a configuration, so that start-up stops once with all the problems of all the parts, not with
 * the first one found.
 */
export function configuration<Parts extends Record<string, () => unknown>>(
  parts: Parts,
): { [K in keyof Parts]: ReturnType<Parts[K]> } {
  const problems: string[] = [];
  const values = {} as { [K in keyof Parts]: ReturnType<Parts[K]> };
  for (const name of Object.keys(parts) as (keyof Parts)[]) {
    try {
      values[name] = parts[name]() as ReturnType<Parts[typeof name]>;
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      problems.push(...err.problems);
    }
  }
  // Parts that read the same setting (two sets of secrets, each under FLOTILLA_ENV) say its problem once.
  if (problems.length) throw new ConfigurationError([...new Set(problems)]);
  return values;
}
