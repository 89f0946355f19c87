import { Streams } from '@flotilla/contracts';
import { RetryPolicy } from '@flotilla/event-store';
import {
  configuration,
  consumerRetryFromEnv,
  flag,
  fraction,
  isProduction,
  ServiceConfig,
  serviceConfigFromEnv,
  wholeNumber,
} from '@flotilla/nest-platform';

export interface OrchestratorConfig extends ServiceConfig {
  /** The update-resolver's stream, read for DeviceQuarantined / DeviceUnquarantined. */
  updateStream: string;
  updateSubjectPrefix: string;
  /** Fill an empty catalog with the demo catalog at start. */
  seedDemoCatalog: boolean;
  /** Upper bound of one batch item's quantity (batch-deployment.md §3). */
  maxItemQuantity: number;
  /** The simulated provisioner: how long a device takes to come up, and the share that fail. */
  provisioner: { delayMs: number; failureRate: number };
  /** A batch the workflow holds this long without a sign of life goes to another instance; work keeps it. */
  workerAckWaitMs: number;
  /** How long a request for one device waits for its placement before it is withdrawn (under the gateway's wait). */
  devicePlacementWaitMs: number;
  /** How often devices whose `termination_time` has come are looked for and deleted. */
  terminationSweepMs: number;
  /** Commits between two snapshots of each aggregate that lives as long as the system (a capacity, the catalog). */
  aggregateSnapshotEvery: number;
  consumerRetry: RetryPolicy;
}

/** Configuration from the environment (README: Configuration); every problem with it is listed at once. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const { service, delayMs, failureRate, ...settings } = configuration({
    service: () =>
      serviceConfigFromEnv(
        {
          envPrefix: 'BATCH',
          databaseSchema: 'batch_orchestrator',
          stream: Streams.batch.name,
          subjectPrefix: Streams.batch.subjectPrefix,
          healthPort: 3101,
        },
        env,
      ),
    // Demo facilities and capacity are for trying it out: in production the catalog is the operator's to define.
    seedDemoCatalog: () => flag(env, 'BATCH_SEED_DEMO_CATALOG', !isProduction(env)),
    // At most 10,000: the settlement of an item names each of its live devices in one commit (about 40 bytes each),
    // which must stay under JetStream's 1 MB message.
    maxItemQuantity: () => wholeNumber(env, 'BATCH_MAX_ITEM_QUANTITY', 1000, { max: 10_000 }),
    delayMs: () => wholeNumber(env, 'PROVISIONER_DELAY_MS', 0, { min: 0 }),
    failureRate: () => fraction(env, 'PROVISIONER_FAILURE_RATE', 0),
    workerAckWaitMs: () => wholeNumber(env, 'BATCH_WORKER_ACK_WAIT_MS', 30_000),
    devicePlacementWaitMs: () => wholeNumber(env, 'BATCH_DEVICE_PLACEMENT_WAIT_MS', 5_000),
    terminationSweepMs: () => wholeNumber(env, 'BATCH_TERMINATION_SWEEP_MS', 10_000),
    aggregateSnapshotEvery: () => wholeNumber(env, 'BATCH_SNAPSHOT_EVERY', 1_000),
    consumerRetry: () => consumerRetryFromEnv(env),
  });
  return {
    ...service,
    updateStream: env.UPDATE_STREAM ?? Streams.update.name,
    updateSubjectPrefix: env.UPDATE_SUBJECT_PREFIX ?? Streams.update.subjectPrefix,
    provisioner: { delayMs, failureRate },
    ...settings,
  };
}

export const CONFIG = Symbol('OrchestratorConfig');
