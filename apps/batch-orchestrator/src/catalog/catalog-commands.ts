import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CatalogCommand } from '@flotilla/batch-domain';
import { ErrorCodes } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { CapacityRepositories, CatalogRepository } from './catalog-repositories';

/** The catalog is the platform's: only callers not confined to an organization may change it. */
function assertPlatformAdmin(meta: RequestMeta): void {
  if (meta.organizationId) throw new DomainError(ErrorCodes.forbidden, 'only the root token can change the catalog');
}

export class ChangeCatalogCommand {
  constructor(
    readonly change: CatalogCommand,
    readonly meta: RequestMeta,
  ) {}
}

/** Defines a facility, plan or operating system, or sets a spot price; answers whether it was new. */
@CommandHandler(ChangeCatalogCommand)
export class ChangeCatalogHandler implements ICommandHandler<ChangeCatalogCommand, { created: boolean }> {
  constructor(
    private readonly catalog: CatalogRepository,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ change, meta }: ChangeCatalogCommand): Promise<{ created: boolean }> {
    assertPlatformAdmin(meta);
    const before = await this.catalog.current();
    const result = await this.catalog.execute(change, { metadata: meta });
    await this.projection.waitFor(result.version);
    const created =
      (change.type === 'DefineMetro' && !before.metros[change.metro.code]) ||
      (change.type === 'DefineFacility' && !before.facilities[change.facility.code]) ||
      (change.type === 'DefinePlan' && !before.plans[change.plan.slug]) ||
      (change.type === 'DefineOperatingSystem' && !before.operatingSystems[change.operatingSystem.slug]);
    return { created };
  }
}

export class SetCapacityCommand {
  constructor(
    readonly facility: string,
    readonly plan: string,
    readonly total: number,
    readonly meta: RequestMeta,
  ) {}
}

/** Sets the number of servers of a plan in a facility; never below what live devices and batches hold. */
@CommandHandler(SetCapacityCommand)
export class SetCapacityHandler implements ICommandHandler<SetCapacityCommand, void> {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly capacity: CapacityRepositories,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ facility, plan, total, meta }: SetCapacityCommand): Promise<void> {
    assertPlatformAdmin(meta);
    const catalog = await this.catalog.current();
    const problems = [
      ...(catalog.facilities[facility] ? [] : [`facility ${facility} is not known`]),
      ...(catalog.plans[plan] ? [] : [`plan ${plan} is not known`]),
    ];
    if (problems.length) throw DomainError.invalid(problems);
    const result = await this.capacity.execute(plan, { type: 'SetCapacityTotal', facility, total }, { metadata: meta });
    await this.projection.waitFor(result.version);
  }
}
