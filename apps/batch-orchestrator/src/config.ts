import { Streams } from '@flotilla/contracts';
import { RetryPolicy } from '@flotilla/event-store';
import {
  consumerRetryFromEnv,
  isProduction,
  positiveInteger,
  ServiceConfig,
  serviceConfigFromEnv,
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

/** Configuration from the environment (README: Configuration). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return {
    ...serviceConfigFromEnv(
      {
        envPrefix: 'BATCH',
        databaseSchema: 'batch_orchestrator',
        stream: Streams.batch.name,
        subjectPrefix: Streams.batch.subjectPrefix,
        healthPort: 3101,
      },
      env,
    ),
    updateStream: env.UPDATE_STREAM ?? Streams.update.name,
    updateSubjectPrefix: env.UPDATE_SUBJECT_PREFIX ?? Streams.update.subjectPrefix,
    // Demo facilities and capacity are for trying it out: in production the catalog is the operator's to define.
    seedDemoCatalog: (env.BATCH_SEED_DEMO_CATALOG ?? String(!isProduction(env))) === 'true',
    // At most 10,000: the settlement of an item names each of its live devices in one commit (about 40 bytes each),
    // which must stay under JetStream's 1 MB message.
    maxItemQuantity: positiveInteger(env, 'BATCH_MAX_ITEM_QUANTITY', 1000, 10_000),
    provisioner: {
      delayMs: Number(env.PROVISIONER_DELAY_MS ?? 0),
      failureRate: Number(env.PROVISIONER_FAILURE_RATE ?? 0),
    },
    workerAckWaitMs: positiveInteger(env, 'BATCH_WORKER_ACK_WAIT_MS', 30_000),
    devicePlacementWaitMs: positiveInteger(env, 'BATCH_DEVICE_PLACEMENT_WAIT_MS', 5_000),
    terminationSweepMs: positiveInteger(env, 'BATCH_TERMINATION_SWEEP_MS', 10_000),
    aggregateSnapshotEvery: positiveInteger(env, 'BATCH_SNAPSHOT_EVERY', 1_000),
    consumerRetry: consumerRetryFromEnv(env),
  };
}

export const CONFIG = Symbol('OrchestratorConfig');
