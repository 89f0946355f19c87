import { OrganizationEvent } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import { organizationDecider } from './organization';

const spec = deciderSpecification(organizationDecider);
const at = '2026-01-01T00:00:00.000Z';
const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: { organizationId: 'o1', name: 'Acme', createdAt: at },
};

describe('organization decider', () => {
  it('creates an organization', () => {
    spec.given([]).when({ type: 'CreateOrganization', organizationId: 'o1', name: 'Acme' }).then([created]);
  });

  it('refuses to create an organization twice', () => {
    spec
      .given([created])
      .when({ type: 'CreateOrganization', organizationId: 'o1', name: 'Acme' })
      .thenThrows('conflict');
  });

  it('creates a project in an existing organization', () => {
    spec
      .given([created])
      .when({ type: 'CreateProject', projectId: 'p1', name: 'web' })
      .then([{ type: 'ProjectCreated', data: { organizationId: 'o1', projectId: 'p1', name: 'web', createdAt: at } }]);
  });

  it('refuses a project in an organization that does not exist', () => {
    spec.given([]).when({ type: 'CreateProject', projectId: 'p1', name: 'web' }).thenThrows('not_found');
  });

  it('refuses a second project of the same name, whatever its case', () => {
    spec
      .given([
        created,
        { type: 'ProjectCreated', data: { organizationId: 'o1', projectId: 'p1', name: 'web', createdAt: at } },
      ])
      .when({ type: 'CreateProject', projectId: 'p2', name: 'WEB' })
      .thenThrows('validation_failed', /already exists/);
  });

  it('issues an API key recording only the hash of its token', () => {
    spec
      .given([created])
      .when({ type: 'IssueApiKey', keyId: 'k1', tokenHash: 'abc', description: 'ci' })
      .then([
        {
          type: 'ApiKeyIssued',
          data: { organizationId: 'o1', keyId: 'k1', tokenHash: 'abc', description: 'ci', createdAt: at },
        },
      ]);
  });

  describe('revoking an API key', () => {
    const issued: OrganizationEvent = {
      type: 'ApiKeyIssued',
      data: { organizationId: 'o1', keyId: 'k1', tokenHash: 'abc', description: 'ci', createdAt: at },
    };
    const revoked: OrganizationEvent = {
      type: 'ApiKeyRevoked',
      data: { organizationId: 'o1', keyId: 'k1', revokedAt: at },
    };

    it('revokes a key of the organization', () => {
      spec.given([created, issued]).when({ type: 'RevokeApiKey', keyId: 'k1' }).then([revoked]);
    });

    it('changes nothing when the key is revoked already', () => {
      spec.given([created, issued, revoked]).when({ type: 'RevokeApiKey', keyId: 'k1' }).then([]);
    });

    it('knows no key the organization did not issue', () => {
      spec
        .given([created, issued])
        .when({ type: 'RevokeApiKey', keyId: 'k2' })
        .thenThrows('not_found', /API key/);
    });
  });
});
