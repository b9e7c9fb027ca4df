/*
 * In-process caches of versioned data (see `db/versions.ts`). A cache holds values read under one version of its channel;
 * asked under another version it starts empty. Bounded by entry count, least recently used out first, so memory stays
 * flat whatever the catalog's size.
 */

/** Many keyed values under one version, at most `max` of them, least recently used evicted first. */
export class VersionedMap<K, V> {
  private version = -1
  private readonly map = new Map<K, V>()

  constructor(private readonly max: number) {}

  /** The values cached under `version` for `keys`, and the keys that are missing. Hits become most recently used. */
  lookup(version: number, keys: Iterable<K>): { hits: Map<K, V>; missing: K[] } {
    const hits = new Map<K, V>()
    const missing = new Set<K>()
    // A request that read the counters before another one moved the cache on neither reads nor empties it.
    if (!this.at(version)) return { hits, missing: [...new Set(keys)] }
    for (const k of keys) {
      const v = this.map.get(k)
      if (v === undefined) {
        missing.add(k)
        continue
      }
      this.map.delete(k)
      this.map.set(k, v)
      hits.set(k, v)
    }
    return { hits, missing: [...missing] }
  }

  /** Stores values read under `version`; ignored when the cache has already moved to another version. */
  store(version: number, entries: Iterable<[K, V]>): void {
    if (version !== this.version) return
    for (const [k, v] of entries) {
      this.map.delete(k)
      this.map.set(k, v)
      if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
    }
  }

  /**
   * The values for `keys` under `version`: hits from the cache, the rest from `load` (called once, with the missing keys
   * only) and stored. Keys `load` returns nothing for are absent from the result and asked again next time.
   */
  async getMany(version: number, keys: Iterable<K>, load: (missing: K[]) => Promise<Map<K, V>>): Promise<Map<K, V>> {
    const { hits, missing } = this.lookup(version, keys)
    if (!missing.length) return hits
    const loaded = await load(missing)
    this.store(version, loaded)
    for (const [k, v] of loaded) hits.set(k, v)
    return hits
  }

  /** One value (see `getMany`). */
  async get(version: number, key: K, load: () => Promise<V>): Promise<V> {
    const { hits } = this.lookup(version, [key])
    if (hits.has(key)) return hits.get(key)!
    const v = await load()
    this.store(version, [[key, v]])
    return v
  }

  /** Moves to a newer `version`, dropping everything read under the old one; false for an older version. */
  private at(version: number): boolean {
    if (version === this.version) return true
    if (version < this.version) return false
    this.map.clear()
    this.version = version
    return true
  }
}

/** One value under one version (a whole small table such as the category tree). Concurrent misses share one load. */
export class VersionedValue<V> {
  private version = -1
  private value: Promise<V> | null = null

  get(version: number, load: () => Promise<V>): Promise<V> {
    if (this.value && version === this.version) return this.value
    // Counters only grow: a request that read them before the last load gets a load of its own, not kept.
    if (version < this.version) return load()
    this.version = version
    const p = load()
    this.value = p
    // A failed load is not kept: the next request tries again.
    p.catch(() => {
      if (this.value === p) this.value = null
    })
    return p
  }
}
