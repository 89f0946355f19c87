const EMPTY = 0;
const DELETED = -1;

/** FNV-1a over the characters of a key of one or two parts (of the first part, its first `aLength`). */
export function hashOf(a: string, b: string, aLength = Infinity): number {
  let h = 0x811c9dc5;
  const end = Math.min(a.length, aLength);
  for (let i = 0; i < end; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xffff, 0x01000193); // between the parts: ("ab", "c") is not ("a", "bc")
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Rows of a table by a key of one or two strings, kept in typed arrays with open addressing. The keys themselves
 * stay in the table's columns (`holds` compares a row's with a key), so a million of them cost a few megabytes and
 * filling the index costs a fraction of what a Map's would: it matters when a snapshot is loaded at start.
 */
export class RowIndex {
  /** Row + 1 per slot; EMPTY or DELETED. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private live = 0;
  private taken = 0; // live and deleted slots

  /**
   * `hash` spreads keys over the slots; the default hashes every character. Keys that are random already (a SHA-256)
   * spread as well by a few of their characters, at a fraction of the cost.
   */
  constructor(
    private readonly holds: (row: number, a: string, b: string) => boolean,
    readonly hash: (a: string, b: string) => number = hashOf,
  ) {}

  get size(): number {
    return this.live;
  }

  get(a: string, b = ''): number | undefined {
    const slot = this.find(a, b, this.hash(a, b));
    return slot < 0 ? undefined : this.slots[slot] - 1;
  }

  /** Points the key at `row`, in place of any row it pointed at. */
  set(a: string, b: string, row: number): void {
    const hash = this.hash(a, b);
    const found = this.find(a, b, hash);
    if (found >= 0) {
      this.slots[found] = row + 1;
      return;
    }
    if ((this.taken + 1) * 2 > this.slots.length) this.resize(Math.max(this.live + 1, 512) * 4);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] > 0) slot = (slot + 1) & mask;
    if (this.slots[slot] === EMPTY) this.taken++;
    this.slots[slot] = row + 1;
    this.hashes[slot] = hash;
    this.live++;
  }

  /** Removes the key if it points at `row`. */
  delete(a: string, b: string, row: number): void {
    const slot = this.find(a, b, this.hash(a, b));
    if (slot < 0 || this.slots[slot] !== row + 1) return;
    this.slots[slot] = DELETED;
    this.live--;
  }

  /**
   * Points an empty index at rows `start` to `end - 1`, as `set` would one after the other (a later row takes a key
   * over from an earlier one): `hashOfRow` gives a row's key's hash as `hash` would (null: the row is not indexed), and
   * `sameKey` whether two rows hold the same key. This is how a snapshot's devices arrive at a start: the keys are
   * hashed first and then placed in the order of their slots, so the table is written front to back instead of at
   * random, and a million keys cost a fraction of a million `set`s.
   */
  fill(
    start: number,
    end: number,
    hashOfRow: (row: number) => number | null,
    sameKey: (a: number, b: number) => boolean,
  ): void {
    if (this.taken > 0) throw new Error('only an empty index is filled');
    const rows = new Int32Array(Math.max(0, end - start));
    const hashes = new Int32Array(rows.length);
    let count = 0;
    for (let row = start; row < end; row++) {
      const hash = hashOfRow(row);
      if (hash === null) continue;
      rows[count] = row;
      hashes[count++] = hash;
    }
    this.reserve(count);
    const mask = this.slots.length - 1;
    // A stable counting sort by the home slot's top bits: rows of one key stay in their order.
    const shift = Math.max(0, Math.log2(this.slots.length) - 16);
    const starts = new Int32Array((mask >>> shift) + 2);
    for (let i = 0; i < count; i++) starts[((hashes[i] & mask) >>> shift) + 1]++;
    for (let i = 1; i < starts.length; i++) starts[i] += starts[i - 1];
    // Rows and hashes moved into that order, so the loop below reads both front to back.
    const sortedRows = new Int32Array(count);
    const sortedHashes = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const at = starts[(hashes[i] & mask) >>> shift]++;
      sortedRows[at] = rows[i];
      sortedHashes[at] = hashes[i];
    }
    const { slots, hashes: slotHashes } = this;
    let placed = 0;
    for (let i = 0; i < count; i++) {
      const row = sortedRows[i];
      const hash = sortedHashes[i];
      let slot = hash & mask;
      // Linear probing from the home slot passes every earlier row of the same key: that one is taken over.
      while (slots[slot] !== EMPTY) {
        if (slotHashes[slot] === hash && sameKey(slots[slot] - 1, row)) break;
        slot = (slot + 1) & mask;
      }
      if (slots[slot] === EMPTY) placed++;
      slots[slot] = row + 1;
      slotHashes[slot] = hash;
    }
    this.taken += placed;
    this.live += placed;
  }

  /** Makes room for this many keys at once (a snapshot says how many devices it brings). */
  reserve(keys: number): void {
    if ((this.taken + keys) * 2 > this.slots.length) this.resize((this.live + keys) * 2);
  }

  clear(): void {
    this.slots = new Int32Array(1024);
    this.hashes = new Int32Array(1024);
    this.live = this.taken = 0;
  }

  private find(a: string, b: string, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === EMPTY) return -1;
      if (entry > 0 && this.hashes[slot] === hash && this.holds(entry - 1, a, b)) return slot;
    }
  }

  private resize(atLeast: number): void {
    let size = 1024;
    while (size < atLeast) size *= 2;
    const { slots, hashes } = this;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] <= 0) continue;
      let slot = hashes[i] & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = slots[i];
      this.hashes[slot] = hashes[i];
    }
    this.taken = this.live;
  }
}
