import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CapacityCommand,
  capacityDecider,
  CapacityEvent,
  CapacityState,
  capacityStateFormat,
  CatalogCommand,
  catalogDecider,
  CatalogEvent,
  CatalogId,
  CatalogState,
  catalogStateFormat,
} from '@flotilla/batch-domain';
import {
  AggregateRepository,
  describeError,
  EventStore,
  ExecuteOptions,
  ExecuteResult,
  SnapshotPolicy,
} from '@flotilla/event-store';
import { PostgresAggregateSnapshots } from '@flotilla/projections';
import { CONFIG, OrchestratorConfig } from '../config';

export const CatalogAggregate = 'catalog';
export const CapacityAggregate = 'capacity';

const logger = new Logger('snapshots');

/**
 * The catalog and each plan's capacity live as long as the system: snapshotted every so many commits, so the first
 * command after a restart reads the commits since the newest snapshot, not years of them.
 */
function snapshotPolicy(store: PostgresAggregateSnapshots, config: OrchestratorConfig, format: number): SnapshotPolicy {
  return {
    store,
    format,
    every: config.aggregateSnapshotEvery,
    onSaveError: (err) => logger.warn({ msg: 'aggregate snapshot not saved', error: describeError(err) }),
    onReadError: (err) => logger.warn({ msg: 'aggregate snapshot not read', error: describeError(err) }),
  };
}

/** The catalog aggregate: facilities, plans, operating systems and spot prices. */
@Injectable()
export class CatalogRepository {
  private readonly repository: AggregateRepository<CatalogCommand, CatalogState, CatalogEvent>;

  constructor(store: EventStore, snapshots: PostgresAggregateSnapshots, @Inject(CONFIG) config: OrchestratorConfig) {
    this.repository = new AggregateRepository(store, CatalogAggregate, catalogDecider, undefined, {
      snapshots: snapshotPolicy(snapshots, config, catalogStateFormat),
    });
  }

  async current(): Promise<CatalogState> {
    return (await this.repository.load(CatalogId)).state;
  }

  /** The catalog as this instance last knew it (see `AggregateRepository.known`): for accepting, never for refusing. */
  known(): Promise<CatalogState> {
    return this.repository.known(CatalogId);
  }

  execute(command: CatalogCommand, options: ExecuteOptions): Promise<ExecuteResult<CatalogState, CatalogEvent>> {
    return this.repository.execute(CatalogId, command, options);
  }
}

interface Queued {
  command: CapacityCommand;
  options: ExecuteOptions;
  resolve: (result: ExecuteResult<CapacityState, CapacityEvent>) => void;
  reject: (err: unknown) => void;
}

/**
 * One capacity aggregate per plan, written by group commit: commands on one plan queue up in this process and every
 * write takes all of them that are waiting, decided one after the other on the newest state (so a hot plan costs one
 * JetStream write per group, not per batch; see `AggregateRepository.executeMany`). Other instances are kept honest by
 * optimistic concurrency.
 */
@Injectable()
export class CapacityRepositories {
  private readonly repositories = new Map<string, AggregateRepository<CapacityCommand, CapacityState, CapacityEvent>>();
  private readonly queues = new Map<string, Queued[]>();

  private readonly snapshots: SnapshotPolicy;

  constructor(
    private readonly store: EventStore,
    snapshots: PostgresAggregateSnapshots,
    @Inject(CONFIG) config: OrchestratorConfig,
  ) {
    this.snapshots = snapshotPolicy(snapshots, config, capacityStateFormat);
  }

  private forPlan(plan: string) {
    let repository = this.repositories.get(plan);
    if (!repository) {
      repository = new AggregateRepository(this.store, CapacityAggregate, capacityDecider(plan), undefined, {
        maxAttempts: 50,
        snapshots: this.snapshots,
      });
      this.repositories.set(plan, repository);
    }
    return repository;
  }

  execute(
    plan: string,
    command: CapacityCommand,
    options: ExecuteOptions,
  ): Promise<ExecuteResult<CapacityState, CapacityEvent>> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(plan);
      if (queue) queue.push({ command, options, resolve, reject });
      else {
        this.queues.set(plan, [{ command, options, resolve, reject }]);
        void this.drain(plan);
      }
    });
  }

  private async drain(plan: string): Promise<void> {
    const queue = this.queues.get(plan) as Queued[];
    const repository = this.forPlan(plan);
    while (queue.length) {
      // A command with an id is recorded alone (one commit records one id); the others go together (in as many
      // commits as their events need: see executeMany).
      const firstWithId = queue.findIndex((q) => q.options.commandId);
      const group = queue.splice(
        0,
        firstWithId === 0 ? 1 : Math.min(firstWithId === -1 ? queue.length : firstWithId, 500),
      );
      try {
        if (group[0].options.commandId) {
          const [{ command, options, resolve }] = group;
          resolve(await repository.execute(plan, command, options));
        } else {
          const outcomes = await repository.executeMany(
            plan,
            group.map(({ command, options }) => ({ command, metadata: options.metadata })),
          );
          outcomes.forEach((outcome, i) =>
            outcome.ok ? group[i].resolve({ ...outcome, duplicate: false }) : group[i].reject(outcome.error),
          );
        }
      } catch (err) {
        group.forEach((q) => q.reject(err));
      }
    }
    this.queues.delete(plan);
  }
}
