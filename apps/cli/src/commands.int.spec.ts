import { UpdateEventSchema } from '@flotilla/events';
import { EventStore } from '@flotilla/event-store';
import { aggregateKey } from '@flotilla/update-domain';
import { openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { CliContext } from './cli-context';
import {
  audit,
  decideParked,
  exportEvents,
  formatVerified,
  listParked,
  migrate,
  rebuild,
  replay,
  request,
  timeTravel,
  verify,
} from './commands';

describe('operator commands', () => {
  let env: TestEnvironment;
  let context: CliContext;
  const orgId = '6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01';
  let firstSeq: number;
  let updateLog: { stream: string; subjectPrefix: string };
  const quiet = () => () => undefined;
  const models = ['batches', 'device_quarantine', 'tenancy', 'update'];

  beforeAll(async () => {
    env = await openTestEnvironment('CLI');
    const updates = (updateLog = env.siblingStream('UPD'));
    context = new CliContext({
      nats: { servers: process.env.NATS_URL as string },
      databaseUrl: env.db.url,
      batch: { stream: env.stream, subjectPrefix: env.subjectPrefix, databaseSchema: 'cli_test' },
      update: { stream: updates.stream, subjectPrefix: updates.subjectPrefix, databaseSchema: 'cli_update_test' },
    });
    await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    await EventStore.open(env.nc, updates);
    const store = await context.store();
    const subject = store.subjectFor('organization', orgId);
    const created = await store.append(
      subject,
      [
        {
          type: 'OrganizationCreated',
          data: { organizationId: orgId, name: 'Acme', createdAt: '2026-01-01T00:00:00Z' },
        },
      ],
      {
        expectedVersion: 0,
        metadata: { actor: 'root' },
      },
    );
    firstSeq = created.commit.streamSeq;
    await store.append(
      subject,
      [
        {
          type: 'ProjectCreated',
          data: {
            organizationId: orgId,
            projectId: '0b7e3f52-1c9d-4a6e-8f21-5d4c3b2a1908',
            name: 'web',
            createdAt: '2026-01-02T00:00:00Z',
          },
        },
      ],
      {
        expectedVersion: firstSeq,
        metadata: { actor: 'api-key:k1' },
      },
    );
  });

  afterAll(async () => {
    await context.close();
    await env.close();
  });

  it('replays every event in order as JSON lines', async () => {
    const lines: string[] = [];
    expect(await replay(context, { fromSeq: 1 }, (l) => lines.push(l))).toBe(2);
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['OrganizationCreated', 'ProjectCreated']);
  });

  it('says so when no service answers a request, rather than a bare code', async () => {
    const as = { principal: { kind: 'root' as const, actor: 'cli:test' }, key: 'k'.repeat(32) };
    await expect(request(context, `${env.rpcPrefix}.nobody.query.here`, {}, as)).rejects.toThrow(
      `no service answers ${env.rpcPrefix}.nobody.query.here (is it running, under this subject prefix?)`,
    );
  });

  it('shows an aggregate’s audit trail with who did what', async () => {
    const lines: string[] = [];
    await audit(context, 'organization', orgId, (l) => lines.push(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('api-key:k1');
    expect(lines[1]).toContain('ProjectCreated');
  });

  it('shows an aggregate as it was at an earlier sequence', async () => {
    expect(await timeTravel(context, 'organization', orgId, { seq: firstSeq })).toMatchObject({
      status: 'active',
      name: 'Acme',
      projectNames: [],
    });
    expect(await timeTravel(context, 'organization', orgId, {})).toMatchObject({ projectNames: ['web'] });
  });

  it("audits and time-travels the update log's aggregates too, named as operators know them", async () => {
    const updates = await EventStore.open(env.nc, { ...updateLog, ...UpdateEventSchema });
    const subject = updates.subjectFor('device', aggregateKey(orgId, 'dev/x'));
    const at = '2026-01-03T00:00:00.000Z';
    const device = { identifier: 'dev/x', organizationId: orgId };
    const registered = await updates.append(
      subject,
      [
        {
          type: 'DeviceRegistered',
          data: { ...device, product: 'gw', tags: [], credentialHash: 'h', source: 'admin', registeredAt: at },
        },
      ],
      { expectedVersion: 0, metadata: { actor: 'api-key:k1', correlationId: 'corr-1' } },
    );
    await updates.append(
      subject,
      [
        { type: 'UpdateRequested', data: { ...device, deploymentId: 'D', firmwareUuid: 'fw', at } },
        { type: 'DeviceQuarantined', data: { ...device, reason: 'operator', deploymentId: null, at } },
      ],
      {
        expectedVersion: registered.commit.streamSeq,
        metadata: { actor: 'update-resolver', correlationId: 'corr-2', causationId: 'cause-2' },
      },
    );

    const lines: string[] = [];
    await audit(context, 'update-device', `${orgId}/dev/x`, (l) => lines.push(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/api-key:k1 .*correlation corr-1 {2}causation - {2}DeviceRegistered/);
    expect(lines[1]).toMatch(/update-resolver .*correlation corr-2 {2}causation cause-2 {2}UpdateRequested/);
    expect(lines[2]).toMatch(/update-resolver .*correlation corr-2 {2}causation cause-2 {2}DeviceQuarantined/);
    const name = `${orgId}/dev/x`;
    expect(await timeTravel(context, 'update-device', name, { seq: registered.commit.streamSeq })).toMatchObject({
      status: 'active',
      identifier: 'dev/x',
      quarantined: false,
    });
    // Its attempt times as one list per deployment, as an operator reads them.
    expect(await timeTravel(context, 'update-device', name, {})).toMatchObject({
      quarantined: true,
      attempts: { D: [Date.parse(at)] },
    });
    await expect(audit(context, 'update-device', `${orgId}/nobody`, () => undefined)).rejects.toThrow(
      /no update-device .* in the update log/,
    );
    await expect(audit(context, 'gadget', 'x', () => undefined)).rejects.toThrow(
      /known:[^]*deployment <organization id>/,
    );
  });

  it("migrates every service's schema, and rebuilds the tenancy read model from the log", async () => {
    const applied = await migrate(context);
    expect(applied.batch).toEqual(
      expect.arrayContaining([
        'CreateProjectionCheckpoints1767225600000',
        'CreateTenancyReadModel1767225600100',
        'CreateBatchReadModel1767225600200',
      ]),
    );
    expect(applied.update).toEqual(
      expect.arrayContaining(['CreateProjectionCheckpoints1767225600000', 'CreateUpdateReadModel1767225600300']),
    );
    expect(await migrate(context)).toEqual({ batch: [], update: [] });
    const progress: number[] = [];
    expect(await rebuild(context, 'tenancy', () => (p) => progress.push(p))).toEqual({ tenancy: firstSeq + 1 });
    const rows = await (await context.database()).query('select name from cli_test.projects');
    expect(rows).toEqual([{ name: 'web' }]);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('rebuilds the batch read model (catalog, capacity) from the log', async () => {
    const store = await context.store();
    const metadata = { actor: 'root' };
    await store.append(
      store.subjectFor('catalog', 'global'),
      [{ type: 'FacilityDefined', data: { code: 'ewr1', name: 'Parsippany' } }],
      { expectedVersion: 0, metadata },
    );
    const plan = 'c3.small.x86';
    await store.append(
      store.subjectFor('capacity', plan),
      [{ type: 'CapacityTotalSet', data: { plan, facility: 'ewr1', total: 12 } }],
      { expectedVersion: 0, metadata },
    );
    const last = await store.lastSequence();
    expect(await rebuild(context, 'batches', quiet)).toEqual({ batches: last });
    const database = await context.database();
    expect(await database.query('select code from cli_test.facilities')).toEqual([{ code: 'ewr1' }]);
    expect(await database.query('select facility, plan, total, held, reserved from cli_test.capacity')).toEqual([
      { facility: 'ewr1', plan, total: 12, held: 0, reserved: 0 },
    ]);
  });

  it('verifies every read model against a rebuild in a shadow schema, and lists each tampered row', async () => {
    expect(Object.keys(await rebuild(context, '--all', quiet)).sort()).toEqual(models);
    const clean = await verify(context, '--all', {}, quiet);
    expect(Object.keys(clean).sort()).toEqual(models);
    expect(Object.values(clean).flatMap((o) => o.differences)).toEqual([]);

    const database = await context.database();
    await database.query(`update cli_test.capacity set total = 13 where facility = 'ewr1'`);
    await database.query(`delete from cli_test.projects`);
    const tampered = await verify(context, '--all', { keepShadow: true }, quiet);
    expect(tampered.tenancy.differences).toEqual([
      {
        table: 'projects',
        missing: 1,
        unexpected: 0,
        rows: [{ change: 'missing', row: expect.stringContaining('"web"') }],
      },
    ]);
    const capacity = tampered.batches.differences.find((d) => d.table === 'capacity');
    expect(capacity?.rows.map((r) => [r.change, JSON.parse(r.row).total])).toEqual([
      ['missing', 12],
      ['unexpected', 13],
    ]);
    expect(tampered.update.differences).toEqual([]);
    // The shadow schema keeps the rebuild for a closer look; the live rows are as tampered.
    expect(await database.query(`select total from cli_test__verify_batches.capacity`)).toEqual([{ total: 12 }]);
    expect(await database.query(`select total from cli_test.capacity`)).toEqual([{ total: 13 }]);
    const lines: string[] = [];
    expect(formatVerified(tampered, (l) => lines.push(l))).toBe(false);
    expect(lines).toEqual(
      expect.arrayContaining(['  capacity: 1 rows missing, 1 unexpected', 'update: agrees with the log up to seq 2']),
    );
    await rebuild(context, '--all', quiet);
    expect(Object.values(await verify(context, '--all', {}, quiet)).flatMap((o) => o.differences)).toEqual([]);
  });

  it("lists parked commits of every consumer, and records an operator's decision on one", async () => {
    const batchDb = await context.database('batch');
    const updateDb = await context.database('update');
    const park = (db: typeof batchDb, schema: string, consumer: string, seq: number) =>
      db.query(
        `insert into ${schema}.parked_commits (consumer, stream, stream_created, stream_seq, subject, event_types,
           error, attempts, first_failed_at, last_failed_at)
         values ($1, 'S', 'c', $2, 'evt.x.device.1', '{DeviceQuarantined}', 'null value in column', 5, now(), now())`,
        [consumer, seq],
      );
    await park(batchDb, 'cli_test', 'device_quarantine', 7);
    await park(updateDb, 'cli_update_test', 'fleet_view', 9);
    expect((await listParked(context)).map((p) => [p.consumer, p.streamSeq, p.status]).sort()).toEqual([
      ['device_quarantine', 7, 'parked'],
      ['fleet_view', 9, 'parked'],
    ]);
    expect(await decideParked(context, 'fleet_view', 9, 'skip')).toEqual({ status: 'skipped' });
    expect(await decideParked(context, 'device_quarantine', 7, 'retry', { waitMs: 300 })).toEqual({
      status: 'pending',
    });
    expect((await listParked(context)).map((p) => [p.consumer, p.status])).toEqual([['device_quarantine', 'retry']]);
    expect((await listParked(context, { all: true })).find((p) => p.consumer === 'fleet_view')).toMatchObject({
      status: 'skipped',
      resolvedBy: expect.stringMatching(/^cli:/),
    });
    await expect(decideParked(context, 'fleet_view', 9, 'retry')).rejects.toThrow(/no parked commit 9/);
  });

  it('exports the events of an organization, or of a time range, from both logs as JSON lines', async () => {
    const lines: string[] = [];
    expect(await exportEvents(context, { organizationId: orgId }, (l) => lines.push(l))).toBe(5);
    const events = lines.map((l) => JSON.parse(l));
    expect(events.map((e) => [e.log, e.type])).toEqual([
      ['batch', 'OrganizationCreated'],
      ['batch', 'ProjectCreated'],
      ['update', 'DeviceRegistered'],
      ['update', 'UpdateRequested'],
      ['update', 'DeviceQuarantined'],
    ]);
    expect(events[0]).toMatchObject({ streamSeq: firstSeq, v: 1, metadata: { actor: 'root' }, data: { name: 'Acme' } });
    expect(events[4]).toMatchObject({ metadata: { correlationId: 'corr-2', causationId: 'cause-2' } });
    const otherOrganization = '00000000-0000-4000-8000-000000000000';
    expect(await exportEvents(context, { organizationId: otherOrganization }, () => undefined)).toBe(0);

    const all: string[] = [];
    const reported: Record<string, [number, number][]> = {};
    const total = await exportEvents(
      context,
      {},
      (l) => all.push(l),
      (log) => (position, target) => (reported[log] ??= []).push([position, target]),
    );
    // Each log's read reports its way to the end of the log as it stood when the export began.
    for (const log of ['batch', 'update'] as const) {
      const end = await (await context.store(log)).lastSequence();
      expect(reported[log].at(-1)).toEqual([end, end]);
    }
    expect(all.map((l) => JSON.parse(l).type)).toEqual(expect.arrayContaining(['FacilityDefined', 'CapacityTotalSet']));
    const cut = new Date(JSON.parse(all[all.length - 1]).time);
    const after: string[] = [];
    const before = await exportEvents(context, { until: cut }, () => undefined);
    expect(before + (await exportEvents(context, { from: cut }, (l) => after.push(l)))).toBe(total);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((l) => new Date(JSON.parse(l).time) >= cut)).toBe(true);
  });

  it("time-travels a plan's capacity showing the devices that hold each facility's servers", async () => {
    const store = await context.store();
    const plan = 'm3.small.x86';
    const subject = store.subjectFor('capacity', plan);
    const batchId = 'b6c1a1f4-0f0e-4d55-9d7c-2f1e1b0a9c01';
    const { commit } = await store.append(
      subject,
      [
        { type: 'CapacityTotalSet', data: { plan, facility: 'sjc9', total: 5 } },
        {
          type: 'CapacityReserved',
          data: { plan, batchId, allocations: [{ facility: 'sjc9', quantity: 3 }], spotPrices: {} },
        },
      ],
      { expectedVersion: 0, metadata: { actor: 'root' } },
    );
    await store.append(
      subject,
      [
        {
          type: 'ReservedCapacityUsed',
          data: { plan, batchId, facility: 'sjc9', count: 3, deviceIds: ['d3', 'd1', 'd2'] },
        },
        { type: 'ReservationReleased', data: { plan, batchId, allocations: [] } },
        { type: 'DeviceCapacityReleased', data: { plan, facility: 'sjc9', count: 1, deviceId: 'd2' } },
      ],
      { expectedVersion: commit.streamSeq, metadata: { actor: 'batch-orchestrator:worker' } },
    );
    expect(await timeTravel(context, 'capacity', plan, {})).toMatchObject({
      held: { sjc9: 2 },
      holders: { sjc9: ['d1', 'd3'] },
      reservations: {},
    });
    expect(await timeTravel(context, 'capacity', plan, { seq: commit.streamSeq })).toMatchObject({
      held: {},
      holders: {},
      reserved: { sjc9: 3 },
    });
  });
});
