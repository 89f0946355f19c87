import { ConsumerMessages, Subscription } from 'nats';

/**
 * Stops a pull consumer's messages without dropping one JetStream has sent. `stop()` alone unsubscribes at once, so a
 * message on the wire then is dropped here while JetStream counts it delivered, and it comes back to anyone only once
 * its ack wait runs out (a batch held 30 s by a rolling deploy). Draining the subscription first takes every message
 * sent before the server had the unsubscription (each goes to the consumer's callback as before), then it stops.
 * nats.js keeps that subscription private (its version is pinned; consumers.int.spec.ts fails if it moves).
 */
export async function drainMessages(messages: ConsumerMessages): Promise<void> {
  const subscription = (messages as unknown as { sub?: Subscription }).sub;
  let timer: NodeJS.Timeout | undefined;
  // A drain waits for the server's answer: one that does not come (NATS away) must not hold the stop.
  await Promise.race([
    subscription?.drain().catch(() => undefined), // closed already: the connection or the consumer went
    new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_WITHIN_MS))),
  ]);
  clearTimeout(timer);
  messages.stop();
}

const DRAIN_WITHIN_MS = 2_000;
