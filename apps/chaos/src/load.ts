import { randomBatchItem, seeded } from '@flotilla/testing';
import { ChaosSystem, HttpAnswer } from './chaos-system';

export interface Tenant {
  organizationId: string;
  projectId: string;
  key: string;
}

/** What the clients saw: how many requests, how many answered for good, how many retried through a fault. */
export interface RequestTally {
  sent: number;
  acknowledged: number;
  refused: number;
  retries: number;
  gaveUp: number;
  /** What the retried answers were: 503s, other 5xx (a 500 is a bug), or no answer at all. */
  faults: Record<string, number>;
}

/**
 * Sends a request until it is answered for good: a 503, a timeout or a dropped connection is a fault to wait out
 * (the same Idempotency-Key makes a retried command safe); anything else is the answer.
 */
export async function untilAnswered(
  send: () => Promise<HttpAnswer>,
  tally: RequestTally,
  deadline: number,
): Promise<HttpAnswer | null> {
  for (let attempt = 0; ; attempt++) {
    let fault = 'no answer'; // a connection the fault dropped, or a timeout
    try {
      const answer = await send();
      if (answer.status < 500) return answer;
      fault = String(answer.status);
    } catch {
      // counted as no answer
    }
    tally.faults[fault] = (tally.faults[fault] ?? 0) + 1;
    if (Date.now() > deadline) {
      tally.gaveUp++;
      return null;
    }
    tally.retries++;
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))));
  }
}

export const newTally = (): RequestTally => ({
  sent: 0,
  acknowledged: 0,
  refused: 0,
  retries: 0,
  gaveUp: 0,
  faults: {},
});

export async function createTenant(system: ChaosSystem, tally: RequestTally): Promise<Tenant> {
  const deadline = Date.now() + 120_000;
  const ask = async (method: string, path: string, token: string, body: unknown, key?: string) => {
    const answer = await untilAnswered(
      () => system.http(method, path, token, body, key ? { 'idempotency-key': key } : {}),
      tally,
      deadline,
    );
    if (!answer || answer.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
    return answer.body as { id: string; token: string };
  };
  const organization = await ask('POST', '/organizations', system.rootToken, { name: 'Chaos' }, `org-${system.id}`);
  const project = await ask(
    'POST',
    `/organizations/${organization.id}/projects`,
    system.rootToken,
    { name: 'chaos' },
    `project-${system.id}`,
  );
  // Sent without an Idempotency-Key: a keyed repeat cannot show the first token again (409), where an unkeyed one
  // issues another, leaving the first unused.
  const key = await ask('POST', `/organizations/${organization.id}/api-keys`, system.rootToken, {});
  return { organizationId: organization.id, projectId: project.id, key: key.token };
}

/** Waits until a random moment within `spreadMs` of `start`, so requests land all through a fault. */
const spread = (random: () => number, start: number, spreadMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, start + random() * spreadMs - Date.now())));

/**
 * Submits `items` batch requests (every seventh a request for one device), each with an Idempotency-Key, spread over
 * `spreadMs` with up to `concurrency` in flight, and deletes a device of every `deleteEvery`th batch once it has
 * completed (its server goes back while the fault goes on), and every `deleteBatchEvery`th batch as soon as it is
 * acknowledged, queued or in progress (every other one with its instances); returns the ids of the batches acknowledged
 * and not deleted, of those deleted, and how many devices were deleted.
 */
export async function batchLoad(
  system: ChaosSystem,
  tenant: Tenant,
  options: {
    items: number;
    concurrency: number;
    spreadMs: number;
    seed: number;
    deadlineMs: number;
    deleteEvery: number;
    deleteBatchEvery: number;
  },
  tally: RequestTally,
): Promise<{ acknowledged: string[]; deletedBatches: string[]; deleted: number }> {
  const random = seeded(options.seed);
  const start = Date.now();
  // Some items' devices end by themselves while the fault goes on (a termination time within its spread), and some
  // are locked, so terminations and refused deletions meet the fault too.
  const bodies = Array.from({ length: options.items }, (_, i) => {
    const item = randomBatchItem(random, 4);
    if (i % 5 === 1) item.termination_time = new Date(start + random() * options.spreadMs).toISOString();
    if (i % 9 === 4) item.locked = true;
    return { batches: [item] };
  });
  // Every seventh is one device, as Metal's createDevice asks for one: a batch of one, answered once placed.
  const request = (i: number): [string, string, unknown] => {
    if (i % 7 !== 3) return [`/projects/${tenant.projectId}/devices/batch`, tenant.key, bodies[i]];
    const { quantity: _quantity, facility_diversity_level: _diversity, ...device } = bodies[i].batches[0];
    return [`/projects/${tenant.projectId}/devices`, tenant.key, device];
  };
  const acknowledged: string[] = [];
  const deletedBatches: string[] = [];
  let deleted = 0;
  const deadline = start + options.deadlineMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        await spread(random, start, options.spreadMs);
        tally.sent++;
        const answer = await untilAnswered(
          () => system.http('POST', ...request(i), { 'idempotency-key': `chaos-${i}` }),
          tally,
          deadline,
        );
        if (answer?.status === 201) {
          tally.acknowledged++;
          const ids = batchIds(answer.body);
          const withInstances = i % (2 * options.deleteBatchEvery) === 1;
          if (
            i % options.deleteBatchEvery === 1 &&
            (await deleteBatch(system, tenant, ids[0], withInstances, tally, deadline))
          )
            deletedBatches.push(...ids);
          else acknowledged.push(...ids);
          if (i % options.deleteEvery === 0 && (await deleteOneDevice(system, tenant, ids[0], tally, deadline)))
            deleted++;
        } else if (answer) tally.refused++;
      }
    }),
  );
  return { acknowledged, deletedBatches, deleted };
}

/** The batches a 201 answers: a batch request's, or the batch of one a device request made. */
const batchIds = (body: unknown): string[] =>
  'batches' in (body as object)
    ? (body as { batches: { id: string }[] }).batches.map((b) => b.id)
    : [(body as { batch: { href: string } }).batch.href.replace('/batches/', '')];

/**
 * Deletes a batch whenever it stands; false if that was refused (one of its devices locked, with its instances). A 404
 * is a deletion whose answer the fault lost, asked again.
 */
async function deleteBatch(
  system: ChaosSystem,
  tenant: Tenant,
  id: string,
  withInstances: boolean,
  tally: RequestTally,
  deadline: number,
): Promise<boolean> {
  const path = `/batches/${id}?remove_associated_instances=${withInstances}`;
  const answer = await untilAnswered(() => system.http('DELETE', path, tenant.key), tally, deadline);
  return answer?.status === 204 || answer?.status === 404;
}

/** Once the batch has completed, deletes its first device; false if it did not complete (no device to delete). */
async function deleteOneDevice(
  system: ChaosSystem,
  tenant: Tenant,
  batchId: string,
  tally: RequestTally,
  deadline: number,
): Promise<boolean> {
  const batch = await batchOver(system, tenant, batchId, tally, deadline);
  if (batch.state !== 'completed') return false;
  const device = batch.devices[0].href;
  const deleted = await untilAnswered(() => system.http('DELETE', device, tenant.key), tally, deadline);
  return deleted?.status === 204;
}

type BatchOutcome =
  | { state: 'completed' | 'failed'; devices: { href: string }[] }
  /** Not found at the deadline (acknowledged and then lost), or found and not over. */
  | { state: 'lost' | 'unfinished' };

/** The batch once it has completed or failed, or how it stood at the deadline (or when a service died for good). */
async function batchOver(
  system: ChaosSystem,
  tenant: Tenant,
  id: string,
  tally: RequestTally,
  deadline: number,
): Promise<BatchOutcome> {
  for (;;) {
    const answer = await untilAnswered(() => system.http('GET', `/batches/${id}`, tenant.key), tally, deadline);
    const batch = answer?.status === 200 ? (answer.body as BatchOutcome & { devices: { href: string }[] }) : undefined;
    if (batch?.state === 'completed' || batch?.state === 'failed') return batch;
    if (Date.now() > deadline || system.deaths.length) return { state: answer?.status === 404 ? 'lost' : 'unfinished' };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Waits until every batch has completed or failed; returns each one's state. One still not found at the deadline
 * was acknowledged and then lost; one found and not over is `unfinished`.
 */
export async function awaitTerminal(
  system: ChaosSystem,
  tenant: Tenant,
  ids: string[],
  tally: RequestTally,
  timeoutMs = 300_000,
): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) states.set(id, (await batchOver(system, tenant, id, tally, deadline)).state);
  return states;
}

/** Batches deleted with a 204 that are found again: each one a deletion acknowledged and then lost. */
export async function undeleted(
  system: ChaosSystem,
  tenant: Tenant,
  ids: string[],
  tally: RequestTally,
): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  const found: string[] = [];
  for (const id of ids) {
    const answer = await untilAnswered(() => system.http('GET', `/batches/${id}`, tenant.key), tally, deadline);
    if (answer && answer.status !== 404) found.push(id);
  }
  return found;
}

const CURRENT = 'c0c0c0c0-0000-4000-8000-000000000001';
const TARGET = 'c0c0c0c0-0000-4000-8000-000000000002';

export interface FirmwareFleet {
  credentials: string[];
}

/** A product with a deployment devices are offered three times before their fourth check quarantines them. */
export async function firmwareFleet(
  system: ChaosSystem,
  tenant: Tenant,
  devices: number,
  tally: RequestTally,
): Promise<FirmwareFleet> {
  const deadline = Date.now() + 120_000;
  const products = `/orgs/${tenant.organizationId}/products`;
  const ask = async (method: string, path: string, body?: unknown) => {
    const answer = await untilAnswered(() => system.http(method, path, tenant.key, body), tally, deadline);
    if (!answer || (answer.status >= 300 && answer.status !== 409))
      throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
    return answer.body as { credential?: string };
  };
  await ask('POST', products, { product: { name: 'chaos-gw' } });
  for (const [uuid, version] of [
    [CURRENT, '1.0.0'],
    [TARGET, '1.1.0'],
  ]) {
    await ask('POST', `${products}/chaos-gw/firmwares`, {
      firmware: {
        uuid,
        version,
        architecture: 'arm',
        platform: 'rpi4',
        artifact_url: `https://fw.example.com/${version}`,
      },
    });
  }
  await ask('POST', `${products}/chaos-gw/deployments`, {
    deployment: {
      name: 'rollout',
      firmware: TARGET,
      conditions: { tags: ['chaos'] },
      failure_rate: 1_000,
      is_active: false,
    },
  });
  await ask('PUT', `${products}/chaos-gw/deployments/rollout`, { deployment: { is_active: true } });
  const credentials: string[] = [];
  for (let i = 0; i < devices; i++) {
    const registered = await ask('POST', `${products}/chaos-gw/devices`, {
      device: { identifier: `chaos-${i}`, tags: ['chaos'] },
    });
    credentials.push(registered.credential as string);
  }
  return { credentials };
}

/** Devices checking in as they would on the device API, spread over `spreadMs`, `concurrency` at a time. */
export async function checkLoad(
  system: ChaosSystem,
  fleet: FirmwareFleet,
  options: { checks: number; concurrency: number; spreadMs: number; seed: number; deadlineMs: number },
  tally: RequestTally,
): Promise<void> {
  const random = seeded(options.seed);
  const start = Date.now();
  const deadline = start + options.deadlineMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next++ < options.checks) {
        await spread(random, start, options.spreadMs);
        const credential = fleet.credentials[Math.floor(random() * fleet.credentials.length)];
        const headers = {
          authorization: `Bearer ${credential}`,
          'x-peridio-uuid': CURRENT,
          'x-peridio-product': 'chaos-gw',
          'x-peridio-version': '1.0.0',
          'x-peridio-architecture': 'arm',
          'x-peridio-platform': 'rpi4',
        };
        tally.sent++;
        const answer = await untilAnswered(
          () => system.http('GET', '/device/update', null, undefined, headers),
          tally,
          deadline,
        );
        if (answer?.status === 200) tally.acknowledged++;
        else if (answer) tally.refused++;
      }
    }),
  );
}
