import { BatchLogEventSchema, BatchSubjects, UpdateEventSchema } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { Figure, goal, Scenario } from '../measure';
import { rawJetStreamToPostgres } from './baseline';
import { defineOneFacility, startBatchFleet, waitUntilReady } from './batch-fleet';
import { startUpdateFleet } from './update-fleet';

const SERVERS_PER_BATCH = 10_000;

/** Events in a stream (commits hold several). */
async function eventsIn(store: EventStore): Promise<number> {
  let events = 0;
  for await (const commit of store.readRange()) events += commit.events.length;
  return events;
}

/**
 * performance.md `replay`: `npm run cli -- rebuild --all` (progress bar and all) over both services' logs, about
 * 1,000,000 events: 125,000 servers deployed through the orchestrator, then firmware devices registered and reporting
 * their firmware for the rest; against raw JetStream → Postgres measured in the same run.
 */
export const replay: Scenario = {
  name: 'replay',
  description: 'cli rebuild --all over both logs (1,000,000 events) vs raw JetStream → Postgres, same run',
  async run(context) {
    const total = Math.max(4_000, Math.round(1_000_000 * context.scale));
    const servers = Math.round(total / 8);
    const batches = await startBatchFleet(context, { BATCH_MAX_ITEM_QUANTITY: String(SERVERS_PER_BATCH) });
    let updates: Awaited<ReturnType<typeof startUpdateFleet>> | null = null;
    try {
      context.progress(`deploying ${servers} servers`);
      await defineOneFacility(batches, 'r', servers);
      for (let deployed = 0; deployed < servers; deployed += SERVERS_PER_BATCH) {
        const quantity = Math.min(SERVERS_PER_BATCH, servers - deployed);
        await batches.request(BatchSubjects.createBatches, {
          projectId: batches.projectId,
          batches: [
            { plan: 'r.plan', operating_system: 'r_os', facility: 'r1', quantity, hostname: `r${deployed}-{{index}}` },
          ],
        });
      }
      await waitUntilReady(batches.readyUrl, 1_200_000);
      const batchEvents = await eventsIn(
        await EventStore.reader(batches.nc, {
          stream: batches.stream,
          subjectPrefix: batches.subjectPrefix,
          ...BatchLogEventSchema,
        }),
      );
      // The rest of the events: two per firmware device (registered, then reporting its firmware).
      updates = await startUpdateFleet(context, {
        devices: Math.max(1_000, Math.round((total - batchEvents) / 2)),
        products: 10,
        deploymentsPerProduct: 100,
      });
      await updates.settled();
      const events =
        batchEvents +
        (await eventsIn(
          await EventStore.reader(updates.nc, {
            stream: updates.stream,
            subjectPrefix: updates.subjectPrefix,
            ...UpdateEventSchema,
          }),
        ));

      context.progress('raw JetStream → Postgres');
      const raw = await rawJetStreamToPostgres(context);
      context.progress(`cli rebuild --all over ${events} events`);
      const started = performance.now();
      await context.cli(['rebuild', '--all'], {
        NATS_URL: context.natsUrl,
        DATABASE_URL: context.databaseUrl,
        BATCH_STREAM: batches.stream,
        BATCH_SUBJECT_PREFIX: batches.subjectPrefix,
        BATCH_DB_SCHEMA: batches.schema,
        UPDATE_STREAM: updates.stream,
        UPDATE_SUBJECT_PREFIX: updates.subjectPrefix,
        UPDATE_DB_SCHEMA: updates.schema,
      });
      const perSecond = events / ((performance.now() - started) / 1000);
      const ratio = (100 * perSecond) / raw.value;
      const figures: Figure[] = [
        raw,
        { name: `rebuild --all, ${events} events`, value: perSecond, unit: 'events/s', ratioTo: raw.name },
        {
          name: 'rebuild to raw jetstream → postgres',
          value: ratio,
          unit: '%',
          ...goal('≥ 60% of raw JetStream → Postgres, same run', ratio >= 60),
        },
      ];
      return figures;
    } finally {
      await batches.close();
      await updates?.close();
    }
  },
};
