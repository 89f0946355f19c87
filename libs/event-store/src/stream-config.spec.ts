import { StreamConfig } from 'nats';
import { eventStreamConfig, historyLosses, holdsLog, replicationCaveat } from './stream-config';

describe('replication caveat', () => {
  it('warns of replicas on a server older than 2.10.19, and only then', () => {
    expect(replicationCaveat('BATCH_EVENTS', 3, '2.9.10')).toMatch(
      /^stream BATCH_EVENTS has 3 replicas on nats-server 2\.9\.10: .* needs 2\.10\.19 or later/,
    );
    expect(replicationCaveat('S', 3, '2.10.18')).not.toBeNull();
    expect(replicationCaveat('S', 3, '2.10.19')).toBeNull();
    expect(replicationCaveat('S', 3, '2.10.22')).toBeNull();
    expect(replicationCaveat('S', 3, '2.11.0')).toBeNull();
    expect(replicationCaveat('S', 3, '3.0.0-beta.1')).toBeNull();
    expect(replicationCaveat('S', 1, '2.9.10')).toBeNull();
    expect(replicationCaveat('S', 3, undefined)).toBeNull();
  });
});

describe('history losses', () => {
  const config = (changes: Partial<StreamConfig>) =>
    ({ ...eventStreamConfig('BATCH_EVENTS', 'evt.batch'), ...changes }) as StreamConfig;

  it('finds none in the settings an event stream is created with, nor in limits that refuse writes', () => {
    expect(historyLosses(config({}))).toEqual([]);
    expect(historyLosses(config({ max_msgs: 10, max_bytes: 1_000 }))).toEqual([]);
  });

  it('names every setting that would remove events', () => {
    const losses = historyLosses(
      config({
        retention: 'workqueue' as StreamConfig['retention'],
        max_age: 7 * 24 * 3600 * 1e9,
        discard: 'old' as StreamConfig['discard'],
        max_msgs: 10,
        max_bytes: 1_000,
        max_msgs_per_subject: 1,
      }),
    );
    expect(losses).toEqual([
      expect.stringMatching(/^retention is workqueue/),
      expect.stringMatching(/^max_age is 604800 s/),
      expect.stringMatching(/^max_msgs is 10 with discard old/),
      expect.stringMatching(/^max_bytes is 1000 with discard old/),
      expect.stringMatching(/^max_msgs_per_subject is 1/),
    ]);
  });
});

describe('a stream holding a log', () => {
  it('holds it with its own subjects, or wildcards over the prefix, the aggregate and the id', () => {
    for (const subjects of [['evt.batch.>'], ['evt.>'], ['>'], ['evt.*.>'], ['evt.batch.*.*'], ['x.>', 'evt.batch.>']])
      expect({ subjects, holds: holdsLog(subjects, 'evt.batch') }).toEqual({ subjects, holds: true });
  });

  it('does not with another prefix, or subjects that leave some of its aggregates or ids out', () => {
    for (const subjects of [['evt.update.>'], ['evt.batch'], ['evt.batch.*'], ['evt.batch.device.*'], ['evt.*'], []])
      expect({ subjects, holds: holdsLog(subjects, 'evt.batch') }).toEqual({ subjects, holds: false });
  });
});
