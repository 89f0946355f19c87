import { JetStreamManager } from 'nats';

/**
 * Why a quiet pull consumer cannot go on, if it cannot; null when it can. Seen in a cluster when a node went down:
 * the consumer (one replica, in memory) is gone, holds commits it does not deliver, delivered commits that never
 * arrived, or never heard an acknowledgement, and its client is not told. `received`: the messages its client has
 * had; `acknowledged`: those it has acknowledged, when it acknowledges each. A false alarm costs a new consumer.
 */
export async function consumerStall(
  jsm: JetStreamManager,
  stream: string,
  name: string,
  received: number,
  acknowledged?: number,
): Promise<string | null> {
  try {
    const info = await jsm.consumers.info(stream, name);
    if (info.delivered.consumer_seq > received) return 'commits delivered that never arrived';
    if (info.num_pending > 0 && info.num_ack_pending === 0) return 'consumer holds commits it does not deliver';
    if (acknowledged !== undefined && info.ack_floor.consumer_seq < acknowledged) return 'acknowledgement lost';
    return null;
  } catch (err) {
    return `consumer not found, or JetStream not answering: ${(err as Error).message}`;
  }
}
