/** A seeded random source: a test or a load run twice asks for the same things. */
export function seeded(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/**
 * A random batch item on c1.small.x86 (101 servers in the demo catalog): facility lists with and without `any`,
 * sometimes a diversity level; many of them together ask for more servers than exist.
 */
export function randomBatchItem(random: () => number, maxQuantity = 8): Record<string, unknown> {
  const facilities = ['sjc1', 'ewr1', 'dfw1', 'ams1', 'any'];
  const list = facilities.filter(() => random() < 0.4);
  const item: Record<string, unknown> = {
    plan: 'c1.small.x86',
    operating_system: 'debian_12',
    facility: list.length ? list : 'any',
    quantity: 1 + Math.floor(random() * maxQuantity),
  };
  if (random() < 0.3) item.facility_diversity_level = 1 + Math.floor(random() * 2);
  return item;
}
