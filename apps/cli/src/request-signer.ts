import { ConfigurationError, readSecrets, UnsignedPrincipal } from '@flotilla/nest-platform';

/**
 * Who `request` speaks as. A named service (FLOTILLA_SERVICE_NAME) signs for one organization with its own key; an
 * operator signs with the bus key, as the platform's administrator or, given `--organization`, confined to that
 * organization as an API key of it is (never silently as root when an organization was named).
 */
export function requestSigner(
  organizationId: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { principal: UnsignedPrincipal; key: string } {
  const service = env.FLOTILLA_SERVICE_NAME;
  if (!service) {
    const actor = `cli:${env.USER ?? 'operator'}`;
    const key = readSecrets(['FLOTILLA_BUS_KEY'], env).FLOTILLA_BUS_KEY;
    return {
      principal: organizationId ? { kind: 'organization', organizationId, actor } : { kind: 'root', actor },
      key,
    };
  }
  const key = env.FLOTILLA_SERVICE_KEY;
  if (!organizationId || !key)
    throw new ConfigurationError([
      'a named service sends for one organization (--organization) with its key (FLOTILLA_SERVICE_KEY)',
    ]);
  return { principal: { kind: 'service', service, organizationId, actor: 'cli' }, key };
}
