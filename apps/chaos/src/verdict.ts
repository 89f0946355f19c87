import { DataSource } from 'typeorm';
import { batchProjection, checkFleet, orchestratorSchema, quarantineProjection } from '@flotilla/batch-read-model';
import { BatchLogEventSchema, UpdateEventSchema } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { PostgresParkedStore, Projection, verifyProjection } from '@flotilla/projections';
import { tenancyProjection } from '@flotilla/tenancy-read-model';
import { resolverSchema, updateProjection } from '@flotilla/update-read-model';
import { askAgain } from './ask-again';
import { ChaosSystem } from './chaos-system';
import { RequestTally } from './load';

/** What held under a scenario's faults (platform.md §4a): each figure after "lost" must be 0. */
export interface Verdict {
  scenario: string;
  /** Commits in both services' logs. */
  appended: number;
  /** Commits every consumer had applied once the system settled (commits parked by any consumer excepted). */
  applied: number;
  parked: number;
  /** Batches answered 201 and then not found, plus read-model rows that differ from a rebuild from the log. */
  lost: number;
  capacityViolations: number;
  /** A device quarantined again while already quarantined: a decision made twice. */
  duplicateQuarantines: number;
  requests: RequestTally;
  batches: Record<string, number>;
  notes: string[];
  held: boolean;
}

async function quarantinedTwice(store: EventStore): Promise<number> {
  const quarantined = new Set<string>();
  let twice = 0;
  for await (const commit of store.readRange({ onUndecodable: () => undefined })) {
    for (const event of commit.events) {
      const { organizationId, identifier } = event.data as { organizationId?: string; identifier?: string };
      const device = `${organizationId}/${identifier}`;
      if (event.type === 'DeviceQuarantined') {
        if (quarantined.has(device)) twice++;
        quarantined.add(device);
      } else if (event.type === 'DeviceUnquarantined') quarantined.delete(device);
    }
  }
  return twice;
}

/** Devices the orchestrators deleted because their termination time had come. */
async function terminated(store: EventStore): Promise<number> {
  let count = 0;
  for await (const commit of store.readRange({ onUndecodable: () => undefined }))
    for (const event of commit.events)
      if (event.type === 'DeviceDeleted' && event.metadata.actor === 'batch-orchestrator:termination') count++;
  return count;
}

/** Settles the system, then reads what it holds against what its clients were told and what its logs say. */
export async function judge(
  scenario: string,
  system: ChaosSystem,
  outcome: {
    requests: RequestTally;
    states: Map<string, string>;
    expectParkedAtLeast?: number;
    /** The fault must not reach the clients at all: every request answered the first time (a rolling deploy). */
    expectUnfelt?: boolean;
    notes?: string[];
  },
): Promise<Verdict> {
  const notes = [...(outcome.notes ?? [])];
  if (system.deaths.length)
    return {
      scenario,
      appended: 0,
      applied: 0,
      parked: 0,
      lost: 0,
      capacityViolations: 0,
      duplicateQuarantines: 0,
      requests: outcome.requests,
      batches: {},
      notes: [...notes, ...system.deaths],
      held: false,
    };
  const reports = await system.settle();
  const batchStore = await EventStore.reader(system.nc, {
    ...system.batch,
    ...BatchLogEventSchema,
  });
  const updateStore = await EventStore.reader(system.nc, { ...system.update, ...UpdateEventSchema });
  const appended =
    (await askAgain(`the end of ${system.batch.stream}`, () => batchStore.lastSequence())) +
    (await askAgain(`the end of ${system.update.stream}`, () => updateStore.lastSequence()));

  const database = (schema: string, shape: typeof orchestratorSchema | typeof resolverSchema) =>
    new DataSource({
      type: 'postgres',
      url: system.databaseUrl,
      schema,
      entities: shape.entities,
      poolSize: 2,
    }).initialize();
  const [batchDb, updateDb] = await Promise.all([
    database(system.batch.schema, orchestratorSchema),
    database(system.update.schema, resolverSchema),
  ]);
  try {
    const readModels: [EventStore, DataSource, Projection][] = [
      [batchStore, batchDb, tenancyProjection(system.batch.schema, system.batch.subjectPrefix)],
      [batchStore, batchDb, batchProjection(system.batch.schema)],
      [updateStore, batchDb, quarantineProjection(system.batch.schema)],
      [updateStore, updateDb, updateProjection(system.update.schema)],
    ];
    let differingRows = 0;
    for (const [store, dataSource, projection] of readModels) {
      const { differences } = await verifyProjection(store, dataSource, projection);
      for (const d of differences) {
        differingRows += d.missing + d.unexpected;
        notes.push(
          `${projection.name}.${d.table}: ${d.missing} rows missing, ${d.unexpected} unexpected, e.g. ${d.rows[0].row}`,
        );
      }
    }
    const parkedRows = [
      ...(await new PostgresParkedStore(batchDb, system.batch.schema).list()),
      ...(await new PostgresParkedStore(updateDb, system.update.schema).list()),
    ];
    for (const p of parkedRows) notes.push(`parked by ${p.consumer}: seq ${p.streamSeq} (${p.error.slice(0, 80)})`);
    const batches: Record<string, number> = {};
    for (const state of outcome.states.values()) batches[state] = (batches[state] ?? 0) + 1;
    const lostBatches = batches.lost ?? 0;
    const fleet = await checkFleet(
      {
        db: { url: system.databaseUrl },
        nc: system.nc,
        stream: system.batch.stream,
        subjectPrefix: system.batch.subjectPrefix,
      },
      system.batch.schema,
    );
    notes.push(...fleet.violations);
    notes.push(`${await terminated(batchStore)} devices terminated at their termination time`);
    const lag = Math.max(0, ...reports.map((r) => r.lag ?? 0));
    const verdict = {
      scenario,
      appended,
      applied: appended - lag - new Set(parkedRows.map((p) => `${p.stream}/${p.streamSeq}`)).size,
      parked: parkedRows.length,
      lost: lostBatches + differingRows,
      capacityViolations: fleet.violations.length,
      duplicateQuarantines: await quarantinedTwice(updateStore),
      requests: outcome.requests,
      batches,
      notes,
    };
    const parkedAsExpected =
      outcome.expectParkedAtLeast === undefined ? verdict.parked === 0 : verdict.parked >= outcome.expectParkedAtLeast;
    // A fault may make a dependency unavailable (503) or drop a connection; it must never look like a bug (500).
    const internalErrors = outcome.requests.faults['500'] ?? 0;
    if (internalErrors) notes.push(`${internalErrors} answers were 500`);
    const felt = outcome.expectUnfelt ? outcome.requests.retries : 0;
    if (felt) notes.push(`${felt} requests had to be sent again`);
    const held =
      !felt &&
      verdict.lost === 0 &&
      verdict.capacityViolations === 0 &&
      verdict.duplicateQuarantines === 0 &&
      !batches.unfinished &&
      !internalErrors &&
      !outcome.requests.gaveUp;
    return { ...verdict, held: held && parkedAsExpected };
  } finally {
    await Promise.all([batchDb.destroy(), updateDb.destroy()]);
  }
}
