import { DiscardPolicy, JetStreamManager, RetentionPolicy, StorageType, StreamConfig } from 'nats';

/**
 * An event stream keeps everything forever and refuses writes rather than drop history (platform.md §2).
 * R1 on nats-server 2.9; R3 needs ≥ 2.10.19 for safe optimistic concurrency (see deploy/README.md).
 */
export function eventStreamConfig(name: string, subjectPrefix: string, replicas = 1, duplicateWindowMs = 120_000): Partial<StreamConfig> {
  return {
    name,
    subjects: [`${subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    max_msgs_per_subject: -1,
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
    allow_direct: true,
    num_replicas: replicas,
    duplicate_window: duplicateWindowMs * 1_000_000,
  };
}

/** Command-id records: one message per key, the first write wins, kept for the idempotency period. */
export function commandLedgerConfig(name: string, subjectPrefix: string, retentionMs: number, replicas = 1): Partial<StreamConfig> {
  return {
    name,
    subjects: [`${subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
    max_msgs_per_subject: 1,
    max_age: retentionMs * 1_000_000,
    allow_direct: true,
    num_replicas: replicas,
  };
}

/** Creates the stream, or leaves an existing one as it is (its protective flags cannot be changed anyway). */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig>): Promise<void> {
  try {
    await jsm.streams.info(config.name as string);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.streams.add(config);
    } catch (addErr) {
      // Another instance created it first.
      if (!/already in use|already exists/i.test(String((addErr as Error).message))) throw addErr;
    }
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { code?: number }; message?: string };
  return e?.api_error?.code === 404 || e?.code === '404' || /not found/i.test(e?.message ?? '');
}
