import { Injectable } from '@nestjs/common';
import {
  CapacityCommand,
  capacityDecider,
  CapacityEvent,
  CapacityState,
  CatalogCommand,
  catalogDecider,
  CatalogEvent,
  CatalogId,
  CatalogState,
} from '@flotilla/batch-domain';
import { AggregateRepository, EventStore, ExecuteOptions, ExecuteResult } from '@flotilla/event-store';

export const CatalogAggregate = 'catalog';
export const CapacityAggregate = 'capacity';

/** The catalog aggregate: facilities, plans, operating systems and spot prices. */
@Injectable()
export class CatalogRepository {
  private readonly repository: AggregateRepository<CatalogCommand, CatalogState, CatalogEvent>;

  constructor(store: EventStore) {
    this.repository = new AggregateRepository(store, CatalogAggregate, catalogDecider);
  }

  async current(): Promise<CatalogState> {
    return (await this.repository.load(CatalogId)).state;
  }

  execute(command: CatalogCommand, options: ExecuteOptions): Promise<ExecuteResult<CatalogState, CatalogEvent>> {
    return this.repository.execute(CatalogId, command, options);
  }
}

/**
 * One capacity aggregate per plan. Commands on one plan are serialized inside this process, so its own workers never
 * race each other; other instances are kept honest by optimistic concurrency (a conflict is retried on fresh state).
 */
@Injectable()
export class CapacityRepositories {
  private readonly repositories = new Map<string, AggregateRepository<CapacityCommand, CapacityState, CapacityEvent>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly store: EventStore) {}

  private forPlan(plan: string) {
    let repository = this.repositories.get(plan);
    if (!repository) {
      repository = new AggregateRepository(this.store, CapacityAggregate, capacityDecider(plan), undefined, { maxAttempts: 50 });
      this.repositories.set(plan, repository);
    }
    return repository;
  }

  execute(plan: string, command: CapacityCommand, options: ExecuteOptions): Promise<ExecuteResult<CapacityState, CapacityEvent>> {
    const previous = this.queues.get(plan) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.forPlan(plan).execute(plan, command, options));
    const settled = run.catch(() => undefined);
    this.queues.set(plan, settled);
    void settled.then(() => {
      if (this.queues.get(plan) === settled) this.queues.delete(plan);
    });
    return run;
  }
}

