import { ApiKeyIssued, ApiKeyRevoked, OrganizationCreated, OrganizationEvent, ProjectCreated } from '@flotilla/events';
import { Decider, DomainError } from '@flotilla/decider';

export type CreateOrganization = { type: 'CreateOrganization'; organizationId: string; name: string };
export type CreateProject = { type: 'CreateProject'; projectId: string; name: string };
export type IssueApiKey = { type: 'IssueApiKey'; keyId: string; tokenHash: string; description: string | null };
export type RevokeApiKey = { type: 'RevokeApiKey'; keyId: string };
export type OrganizationCommand = CreateOrganization | CreateProject | IssueApiKey | RevokeApiKey;

export type OrganizationState =
  | { status: 'absent' }
  | {
      status: 'active';
      id: string;
      name: string;
      projectNames: Set<string>;
      /** Every key issued, and whether it has been revoked since. */
      keys: Map<string, 'active' | 'revoked'>;
    };

export const initialState = (): OrganizationState => ({ status: 'absent' });

export function decide(
  command: OrganizationCommand,
  state: OrganizationState,
  { now }: { now: Date },
): OrganizationEvent[] {
  const createdAt = now.toISOString();
  if (command.type === 'CreateOrganization') {
    if (state.status !== 'absent') throw DomainError.conflict(`organization ${command.organizationId} already exists`);
    const event: OrganizationCreated = {
      type: 'OrganizationCreated',
      data: { organizationId: command.organizationId, name: command.name, createdAt },
    };
    return [event];
  }
  if (state.status === 'absent') throw DomainError.notFound('organization');
  switch (command.type) {
    case 'CreateProject': {
      if (state.projectNames.has(command.name.toLowerCase())) {
        throw DomainError.invalid([`a project named "${command.name}" already exists in this organization`]);
      }
      const event: ProjectCreated = {
        type: 'ProjectCreated',
        data: { organizationId: state.id, projectId: command.projectId, name: command.name, createdAt },
      };
      return [event];
    }
    case 'IssueApiKey': {
      const event: ApiKeyIssued = {
        type: 'ApiKeyIssued',
        data: {
          organizationId: state.id,
          keyId: command.keyId,
          tokenHash: command.tokenHash,
          description: command.description,
          createdAt,
        },
      };
      return [event];
    }
    case 'RevokeApiKey': {
      const key = state.keys.get(command.keyId);
      if (!key) throw DomainError.notFound('API key');
      if (key === 'revoked') return []; // revoking again changes nothing
      const event: ApiKeyRevoked = {
        type: 'ApiKeyRevoked',
        data: { organizationId: state.id, keyId: command.keyId, revokedAt: createdAt },
      };
      return [event];
    }
  }
}

export function evolve(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  switch (event.type) {
    case 'OrganizationCreated':
      return {
        status: 'active',
        id: event.data.organizationId,
        name: event.data.name,
        projectNames: new Set(),
        keys: new Map(),
      };
    case 'ProjectCreated':
      if (state.status !== 'active') return state;
      return { ...state, projectNames: new Set(state.projectNames).add(event.data.name.toLowerCase()) };
    case 'ApiKeyIssued':
      if (state.status !== 'active') return state;
      return { ...state, keys: new Map(state.keys).set(event.data.keyId, 'active') };
    case 'ApiKeyRevoked':
      if (state.status !== 'active') return state;
      return { ...state, keys: new Map(state.keys).set(event.data.keyId, 'revoked') };
  }
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationState, OrganizationEvent> = {
  decide,
  evolve,
  initialState,
};
