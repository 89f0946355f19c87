import { readFileSync } from 'node:fs';
import { Principal, verifyRequest } from '@flotilla/contracts';
import { ConfigurationError, isProduction, readSecrets, secretProblem } from '../secrets';

/** What a named service may do on the bus: sign with its own key, act for these organizations, on these subjects. */
export interface BusGrant {
  key: string;
  /** The key it signed with before, still accepted while it is being rotated (never used to sign). */
  previousKey?: string;
  /** Organization ids it may act for, or `*` for any (never as root). */
  organizations: string[] | '*';
  /** Subjects it may send, NATS wildcards allowed (`fleet.batch.query.*`, `fleet.batch.>`). */
  subjects: string[];
}

export interface BusTrustSettings {
  /** Shared by the gateway and the services: signs root and organization principals. */
  busKey: string;
  /**
   * The bus key before the current one, still accepted while it is being rotated (FLOTILLA_BUS_KEY_PREVIOUS): the
   * services take both, then the gateway moves to the new one, then this is removed (deploy/README.md).
   */
  previousBusKey: string | null;
  /** Other services that send commands, by name. */
  grants: Record<string, BusGrant>;
}

/** Who a verified request is for, as handlers see it; `organizationId` is null only for root. */
export interface RequestMeta {
  actor: string;
  organizationId: string | null;
  principal: Principal;
  correlationId: string | undefined;
}

/**
 * FLOTILLA_BUS_KEY (and FLOTILLA_BUS_KEY_PREVIOUS while it is rotated), and the grants of named services from
 * FLOTILLA_BUS_GRANTS (JSON) or FLOTILLA_BUS_GRANTS_FILE:
 * `{"billing": {"key": "…", "organizations": ["<uuid>"], "subjects": ["fleet.batch.cmd.create"]}}`, a grant
 * with `"previousKey"` beside while its key is rotated.
 */
export function busTrustFromEnv(env: NodeJS.ProcessEnv = process.env): BusTrustSettings {
  const { FLOTILLA_BUS_KEY } = readSecrets(['FLOTILLA_BUS_KEY'], env);
  const problems: string[] = [];
  const previousProblem = previousKeyProblem('FLOTILLA_BUS_KEY_PREVIOUS', env.FLOTILLA_BUS_KEY_PREVIOUS, env);
  if (previousProblem) problems.push(previousProblem);
  const grants = grantsFromEnv(env, problems);
  if (problems.length) throw new ConfigurationError(problems);
  return { busKey: FLOTILLA_BUS_KEY, previousBusKey: env.FLOTILLA_BUS_KEY_PREVIOUS || null, grants };
}

/** A previous key is optional (unset or empty: none); one that is given is held to what a key is in production. */
function previousKeyProblem(name: string, key: unknown, env: NodeJS.ProcessEnv): string | null {
  if (key === undefined || key === '') return null;
  if (typeof key !== 'string') return `${name} must be a string`;
  return isProduction(env) ? secretProblem(name, key) : null;
}

function grantsFromEnv(env: NodeJS.ProcessEnv, problems: string[]): Record<string, BusGrant> {
  const raw = env.FLOTILLA_BUS_GRANTS_FILE
    ? readFileSync(env.FLOTILLA_BUS_GRANTS_FILE, 'utf8')
    : env.FLOTILLA_BUS_GRANTS;
  if (!raw) return {};
  let parsed: Record<string, Partial<BusGrant>>;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('FLOTILLA_BUS_GRANTS is not valid JSON');
    return {};
  }
  const grants: Record<string, BusGrant> = {};
  for (const [service, grant] of Object.entries(parsed ?? {})) {
    const key = grant?.key;
    const keyProblem = isProduction(env)
      ? secretProblem(`the key of bus grant "${service}"`, key)
      : key
        ? null
        : `bus grant "${service}" has no key`;
    const previousProblem = previousKeyProblem(`the previous key of bus grant "${service}"`, grant?.previousKey, env);
    const organizations = grant?.organizations;
    const subjects = grant?.subjects;
    if (keyProblem) problems.push(keyProblem);
    if (previousProblem) problems.push(previousProblem);
    if (organizations !== '*' && !(Array.isArray(organizations) && organizations.every((o) => typeof o === 'string'))) {
      problems.push(`bus grant "${service}": organizations must be a list of organization ids or "*"`);
    }
    if (!Array.isArray(subjects) || !subjects.every((s) => typeof s === 'string' && s.length > 0))
      problems.push(`bus grant "${service}": subjects must be a list`);
    grants[service] = grant as BusGrant;
  }
  return grants;
}

/** Whether a subject matches a NATS subject pattern (`*` one token, `>` the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/**
 * Verifies a request's principal (platform.md §4b): signed with the bus key for root and organization principals,
 * with its own key for a named service, which must act for an organization and on a subject of its grant.
 */
export class BusTrust {
  /** The keys a principal may be signed with: the current one, and the one before while it is being rotated. */
  private readonly busKeys: string[];
  private readonly grantKeys: Map<string, string[]>;

  constructor(private readonly settings: BusTrustSettings) {
    const keys = (...candidates: (string | null | undefined)[]) => candidates.filter((k): k is string => !!k);
    this.busKeys = keys(settings.busKey, settings.previousBusKey);
    this.grantKeys = new Map(Object.entries(settings.grants).map(([name, g]) => [name, keys(g.key, g.previousKey)]));
  }

  private readonly keysFor = (principal: Principal): string[] =>
    principal.kind === 'service' ? (this.grantKeys.get(principal.service) ?? []) : this.busKeys;

  verify(
    headers: { principal?: string | null; signature?: string | null },
    subject: string,
    digest: string,
    correlationId?: string,
  ): RequestMeta | { reason: string } {
    const verified = verifyRequest(headers, subject, digest, this.keysFor);
    if (!verified.ok) return { reason: verified.reason };
    const { principal } = verified;
    if (principal.kind === 'root') return { actor: principal.actor, organizationId: null, principal, correlationId };
    if (principal.kind === 'organization')
      return { actor: principal.actor, organizationId: principal.organizationId, principal, correlationId };
    const grant = this.settings.grants[principal.service];
    if (!grant.subjects.some((pattern) => subjectMatches(pattern, subject)))
      return { reason: `service ${principal.service} may not send ${subject}` };
    if (grant.organizations !== '*' && !grant.organizations.includes(principal.organizationId)) {
      return { reason: `service ${principal.service} may not act for that organization` };
    }
    return {
      actor: `service:${principal.service}${principal.actor ? `/${principal.actor}` : ''}`,
      organizationId: principal.organizationId,
      principal,
      correlationId,
    };
  }
}
