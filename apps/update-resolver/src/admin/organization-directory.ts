import { Inject, Injectable } from '@nestjs/common';
import { OrganizationAggregate } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { BATCH_EVENT_STORE } from '../infrastructure.module';

/**
 * Whether an organization exists, from the batch-orchestrator's log, where organizations are created: its commits
 * under the organization's subject. An organization is never deleted, so one found is remembered.
 */
@Injectable()
export class OrganizationDirectory {
  private readonly known = new Set<string>();

  constructor(@Inject(BATCH_EVENT_STORE) private readonly store: EventStore) {}

  async exists(organizationId: string): Promise<boolean> {
    if (this.known.has(organizationId)) return true;
    const subject = this.store.subjectFor(OrganizationAggregate, organizationId);
    if (!(await this.store.lastCommitOf(subject))) return false;
    this.known.add(organizationId);
    return true;
  }
}
