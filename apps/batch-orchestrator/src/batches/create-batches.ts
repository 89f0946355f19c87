import { hash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { BatchRequested, BatchView, CreateBatchesRequest } from '@flotilla/contracts';
import { CatalogState, catalogView, validateBatchItem, validateDeviceItem } from '@flotilla/batch-domain';
import { BatchRow } from '@flotilla/batch-read-model';
import { createdId, DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { CatalogRepository } from '../catalog/catalog-repositories';
import { ProjectDirectory } from '../tenancy/project-directory';
import { CONFIG, OrchestratorConfig } from '../config';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { BatchRepository } from './batch-repositories';
import { batchView, requestedBatchView } from './batch-views';

export class CreateBatchesCommand {
  constructor(
    readonly request: CreateBatchesRequest,
    readonly meta: RequestMeta,
    /** Its one item is one device as Metal's `createDevice` takes it (`validateDeviceItem`). */
    readonly oneDevice = false,
  ) {}
}

/**
 * Checks every item against the request and the catalog (all problems, nothing written), then records each item
 * as its own queued batch: `BatchRequested` is in the log before the reply. The batch workflow takes it from there.
 */
@CommandHandler(CreateBatchesCommand)
export class CreateBatchesHandler implements ICommandHandler<CreateBatchesCommand, { batches: BatchView[] }> {
  constructor(
    private readonly batches: BatchRepository,
    private readonly catalog: CatalogRepository,
    private readonly projects: ProjectDirectory,
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
    @Inject(CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async execute({ request, meta, oneDevice }: CreateBatchesCommand): Promise<{ batches: BatchView[] }> {
    const project = await this.projects.inScope(request.projectId, meta);
    // Checked on the catalog as this instance knows it, which costs no read; a refusal only on the log's catalog, which
    // another instance may have added to since. The catalog only ever grows, so a stale acceptance is one that raced
    // a redefinition, as a request just before it would have.
    const check = (state: CatalogState) => {
      const catalog = catalogView(state);
      return request.batches.map((raw, i) =>
        oneDevice
          ? validateDeviceItem(raw, catalog)
          : validateBatchItem(raw, catalog, { maxQuantity: this.config.maxItemQuantity, path: `batches[${i}]` }),
      );
    };
    let checked = check(await this.catalog.known());
    if (checked.some((c) => !c.ok)) checked = check(await this.catalog.current());
    const problems = checked.flatMap((c) => (c.ok ? [] : c.problems));
    if (problems.length) throw DomainError.invalid(problems);

    const fingerprint = hash('sha256', JSON.stringify({ projectId: request.projectId, batches: request.batches }));
    const results = [];
    for (const [i, check] of checked.entries()) {
      if (!check.ok) continue;
      const { hostname, hostnames, ...item } = check.item;
      // With an idempotency key the batch is named by it, so a retry finds its first result in the batch's history.
      const kind = oneDevice ? 'create-device' : 'create-batch';
      const commandId = request.commandId && `${kind}:${project.id}:${request.commandId}:${i}`;
      const batchId = createdId(commandId);
      results.push(
        await this.batches.execute(
          batchId,
          {
            type: 'RequestBatch',
            batchId,
            projectId: project.id,
            organizationId: project.organizationId,
            item,
            hostname: hostname ?? null,
            hostnames: hostnames ?? null,
          },
          { metadata: meta, fingerprint, commandId },
        ),
      );
    }
    await this.projection.waitFor(Math.max(...results.map((r) => r.events[0].streamSeq)));
    const views = await Promise.all(
      results.map(async ({ events, duplicate }) => {
        const requested = events[0] as unknown as BatchRequested;
        if (!duplicate) return requestedBatchView(requested);
        const row = await this.dataSource.getRepository(BatchRow).findOneBy({ id: requested.data.batchId });
        return row ? batchView(row) : requestedBatchView(requested);
      }),
    );
    return { batches: views };
  }
}
