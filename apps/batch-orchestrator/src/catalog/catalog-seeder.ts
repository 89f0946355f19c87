import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ProjectionRunner } from '@flotilla/projections';
import { CONFIG, OrchestratorConfig } from '../config';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { CapacityRepositories, CatalogRepository } from './catalog-repositories';
import { demoCatalog } from './demo-catalog';

const seeder = { actor: 'batch-orchestrator:demo-catalog' };

/**
 * Fills an empty catalog, and capacity of plans that have none, from the demo catalog, and waits until the read model
 * shows it. Safe to run at every start, by every instance.
 */
@Injectable()
export class CatalogSeeder implements OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly config: OrchestratorConfig,
    private readonly catalog: CatalogRepository,
    private readonly capacity: CapacityRepositories,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoCatalog) return;
    const seeded = await this.catalog.execute({ type: 'SeedCatalog', catalog: demoCatalog }, { metadata: seeder });
    let last = seeded.version;
    for (const plan of new Set(demoCatalog.capacity.map((c) => c.plan))) {
      const totals = Object.fromEntries(
        demoCatalog.capacity.filter((c) => c.plan === plan).map((c) => [c.facility, c.total]),
      );
      last = Math.max(
        last,
        (await this.capacity.execute(plan, { type: 'SeedCapacityTotals', totals }, { metadata: seeder })).version,
      );
    }
    await this.projection.waitFor(last, 30_000);
    if (seeded.events.length) new Logger('catalog').log({ msg: 'demo catalog seeded', events: seeded.events.length });
  }
}
