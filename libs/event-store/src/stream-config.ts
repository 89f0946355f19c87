import { DiscardPolicy, JetStreamManager, RetentionPolicy, StorageType, StreamConfig, StreamInfo } from 'nats';

/**
 * An event stream keeps everything forever and refuses writes rather than drop history (platform.md §2).
 * R1 on nats-server 2.9; R3 needs ≥ 2.10.19 for safe optimistic concurrency (see deploy/README.md).
 */
export function eventStreamConfig(
  name: string,
  subjectPrefix: string,
  replicas = 1,
  duplicateWindowMs = 120_000,
): Partial<StreamConfig> {
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

/**
 * Creates the stream, or takes an existing one as it is (`protectEvents` turns on what protects its events). Only the
 * replica count follows the configuration, so a stream created on one node grows with the cluster.
 */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig>): Promise<StreamInfo> {
  const name = config.name as string;
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      return await jsm.streams.add(config);
    } catch (addErr) {
      const message = String((addErr as Error).message);
      if (/subjects overlap/i.test(message))
        throw new Error(
          `stream ${name} cannot be created for ${config.subjects?.join(', ')}: another stream on this NATS holds ` +
            'those subjects (give each log a subject prefix of its own: BATCH_SUBJECT_PREFIX, UPDATE_SUBJECT_PREFIX)',
        );
      // Another instance created it first.
      if (!/already in use|already exists/i.test(message)) throw addErr;
      return jsm.streams.info(name);
    }
  }
  if (config.num_replicas && info.config.num_replicas !== config.num_replicas) {
    info = await jsm.streams.update(name, { ...info.config, num_replicas: config.num_replicas });
  }
  return info;
}

/** The flags that keep a stream's events from being deleted one by one or purged: NATS lets them be set, not unset. */
const PROTECTIONS = ['deny_delete', 'deny_purge'] as const;

/**
 * Turns the protective flags on where an existing stream has them off (one made by hand): NATS then refuses to
 * delete or purge its events, which the log, the only copy of them, must never allow. Returns what it turned on.
 */
export async function protectEvents(jsm: JetStreamManager, info: StreamInfo): Promise<string[]> {
  const off = PROTECTIONS.filter((flag) => !info.config[flag]);
  if (off.length)
    await jsm.streams.update(info.config.name, {
      ...info.config,
      ...Object.fromEntries(off.map((flag) => [flag, true])),
    });
  return off;
}

/**
 * What in an existing event stream's settings would drop events it holds, each said with its setting; empty when
 * nothing would. Limits that refuse writes (`discard: new`) keep history and are left to the operator.
 */
export function historyLosses(config: StreamConfig): string[] {
  const losses: string[] = [];
  if (config.retention !== RetentionPolicy.Limits)
    losses.push(`retention is ${config.retention}, which removes events once consumed (it must be limits)`);
  if (config.max_age > 0)
    losses.push(`max_age is ${config.max_age / 1e9} s, which removes older events (it must be 0)`);
  if (config.discard !== DiscardPolicy.New) {
    if (config.max_msgs > 0) losses.push(`max_msgs is ${config.max_msgs} with discard old, which removes the oldest`);
    if (config.max_bytes > 0)
      losses.push(`max_bytes is ${config.max_bytes} with discard old, which removes the oldest`);
  }
  // nats-server drops a subject's oldest message past this limit whatever the discard policy.
  if (config.max_msgs_per_subject > 0)
    losses.push(`max_msgs_per_subject is ${config.max_msgs_per_subject}, which removes an aggregate's older commits`);
  return losses;
}

/**
 * Whether a stream with these subjects holds every subject of a log under `prefix` (`<prefix>.<aggregate>.<id>`):
 * a stream made for another prefix, or by hand, may not, and then every append finds no stream to take it.
 */
export function holdsLog(subjects: readonly string[], prefix: string): boolean {
  const fixed = prefix.split('.');
  return subjects.some((subject) => {
    const pattern = subject.split('.');
    for (let i = 0; i < fixed.length + 2; i++) {
      if (pattern[i] === '>') return true;
      // The aggregate and id tokens may be anything: only a wildcard holds them all.
      if (pattern[i] === undefined || (pattern[i] !== '*' && (i >= fixed.length || pattern[i] !== fixed[i])))
        return false;
    }
    return pattern.length === fixed.length + 2;
  });
}

/** The first nats-server whose replicated streams keep optimistic concurrency safe (deploy/README.md). */
const SAFE_REPLICATED_SERVER = [2, 10, 19];

/**
 * What an operator must know when a stream has replicas on a server older than that, else null: such a server does
 * not keep the expected-last-subject-sequence check safe on a clustered stream, so two writers of one aggregate may
 * both succeed.
 */
export function replicationCaveat(stream: string, replicas: number, serverVersion: string | undefined): string | null {
  if (replicas <= 1 || !serverVersion) return null;
  const version = serverVersion.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  const older = SAFE_REPLICATED_SERVER.findIndex((safe, i) => (version[i] ?? 0) !== safe);
  if (older === -1 || (version[older] ?? 0) > SAFE_REPLICATED_SERVER[older]) return null;
  return (
    `stream ${stream} has ${replicas} replicas on nats-server ${serverVersion}: optimistic concurrency between ` +
    `several writers of one aggregate needs ${SAFE_REPLICATED_SERVER.join('.')} or later (deploy/README.md); run one ` +
    'instance of this service until the servers are upgraded'
  );
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { code?: number }; message?: string };
  return e?.api_error?.code === 404 || e?.code === '404' || /not found/i.test(e?.message ?? '');
}
