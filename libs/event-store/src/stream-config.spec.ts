import { replicationCaveat } from './stream-config';

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
