// A small least-recently-used cache of loaded subjects, so training on hundreds of subjects keeps only a few in memory.

export class LruCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(
    private readonly capacity: number,
    private readonly load: (key: string) => Promise<V>,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`cache capacity must be a positive integer, got ${capacity}`);
  }

  /** The value for key, loading it (once, even under concurrent calls) and evicting the least recently used. */
  get(key: string): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const loading = this.load(key);
    // A failed load must not stay cached.
    loading.catch(() => this.entries.delete(key));
    this.entries.set(key, loading);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return loading;
  }

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
