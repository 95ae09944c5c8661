/**
 * A bounded map that forgets the least recently used entry first, with an optional time to live.
 * The receiver keeps three of them (sid → workflow id, delivery keys already signalled, sids
 * recently found to be nobody's), so memory stays flat however long it runs.
 */
export class LruCache<K, V> {
  // A Map iterates in insertion order: re-inserting on access keeps the oldest entry first.
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  /**
   * @param capacity - entries kept at most; the least recently used goes first.
   * @param ttlMs - an entry older than this is treated as absent. @default Infinity
   * @param now - the clock (tests may pass their own).
   */
  constructor(
    readonly capacity: number,
    private readonly ttlMs = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LruCache capacity must be an integer of at least 1, got ${capacity}`);
    }
    if (!(ttlMs > 0)) throw new RangeError(`LruCache ttlMs must be greater than 0, got ${ttlMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, marking it recently used; undefined when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt !== Infinity && entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds or refreshes an entry, evicting the least recently used ones beyond capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.ttlMs === Infinity ? Infinity : this.now() + this.ttlMs });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
