import { NatsConnection } from 'nats';
import { ErrorCodes } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { connectTestNats, deleteStreams, uniqueName } from '@flotilla/testing';
import { RpcFailure } from '../rpc/rpc-exception.filter';
import { auditTrail } from './audit-trail';

describe('auditTrail', () => {
  let nc: NatsConnection;
  let store: EventStore;
  let stream: string;
  const root = { organizationId: null } as never;
  const confinedTo = (organizationId: string) => ({ organizationId }) as never;
  const request = (page: number, perPage: number) => ({ type: 'thing', name: 't', page, perPage }) as never;
  const aggregate = { subjectType: 'thing', id: 't' };

  beforeAll(async () => {
    nc = await connectTestNats();
    stream = uniqueName('AUDIT');
    store = await EventStore.open(nc, { stream, subjectPrefix: `evt.${stream.toLowerCase()}` });
    // 60 commits of 1, 2 or 3 events each (120 events), the first naming the owner; another aggregate between them.
    const subject = store.subjectFor('thing', 't');
    for (let c = 0, n = 0, version = 0; c < 60; c++) {
      const events = Array.from({ length: (c % 3) + 1 }, () => ({ type: 'Counted', data: { n: n++ } }));
      if (c === 0) events[0] = { type: 'Made', data: { organizationId: 'org-a', n: n - 1 } } as never;
      version = (await store.append(subject, events, { expectedVersion: version, metadata: { actor: 'test' } })).commit
        .streamSeq;
      await store.append(store.subjectFor('other', `o${c}`), [{ type: 'Counted', data: { n: -1 } }], {
        expectedVersion: 0,
        metadata: { actor: 'test' },
      });
    }
  });

  afterAll(async () => {
    await deleteStreams(nc, stream, `${stream}_COMMANDS`);
    await nc.close();
  });

  it('pages through a history by its events, counting every one, commits split across pages', async () => {
    const ns: number[] = [];
    for (let page = 1; page <= 5; page++) {
      const view = await auditTrail(store, request(page, 25), aggregate, root);
      expect(view.meta).toMatchObject({ total: 120, current_page: page, last_page: 5 });
      expect(view.events.length).toBe(page === 5 ? 20 : 25);
      ns.push(...view.events.map((e) => (e.data as { n: number }).n));
    }
    expect(ns).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect((await auditTrail(store, request(9, 25), aggregate, root)).events).toEqual([]);
  });

  it('decodes only the commits of the page and the first, counting the others by their headers', async () => {
    const decode = jest.spyOn(store, 'decode');
    try {
      await auditTrail(store, request(3, 10), aggregate, root);
      // Events 20–29 lie in 6 of the 60 commits (2 events each on average).
      expect(decode.mock.calls.length).toBeLessThanOrEqual(8);
    } finally {
      decode.mockRestore();
    }
  });

  it("shows an organization its own aggregates only, and reads no further than another's first commit", async () => {
    expect((await auditTrail(store, request(1, 10), aggregate, confinedTo('org-a'))).meta.total).toBe(120);
    await expect(auditTrail(store, request(1, 10), aggregate, confinedTo('org-b'))).rejects.toMatchObject({
      error: { code: ErrorCodes.notFound },
    });
    // Found out at the first commit: no time is spent on the rest, however long the history.
    await expect(auditTrail(store, request(1, 10), aggregate, confinedTo('org-b'), 0)).rejects.toMatchObject({
      error: { code: ErrorCodes.notFound },
    });
    await expect(
      auditTrail(store, request(1, 10), { subjectType: 'thing', id: 'missing' }, root),
    ).rejects.toBeInstanceOf(RpcFailure);
  });

  it('answers unavailable, naming the CLI, for a history too long to count in time', async () => {
    await expect(auditTrail(store, request(1, 10), aggregate, root, 0)).rejects.toMatchObject({
      error: { code: ErrorCodes.unavailable, message: expect.stringMatching(/flotilla audit/) },
    });
  });
});
