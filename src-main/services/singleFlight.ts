// One in-flight promise per key: concurrent callers of an expensive lookup share one computation.
// `SingleFlightCache` keeps the value afterwards; a failure is not kept, so the next call tries again.

export class SingleFlight<K, V> {
  protected readonly flights = new Map<K, Promise<V>>();

  /** The pending promise for `key`, or a new one from `load` (forgotten once it settles). */
  run(key: K, load: () => Promise<V>): Promise<V> {
    const known = this.flights.get(key);
    if (known) return known;
    const p = load();
    this.flights.set(key, p);
    p.then(
      () => this.settled(key, p, true),
      () => this.settled(key, p, false),
    );
    return p;
  }

  protected settled(key: K, p: Promise<V>, _ok: boolean): void {
    if (this.flights.get(key) === p) this.flights.delete(key);
  }

  clear(): void {
    this.flights.clear();
  }
}

export class SingleFlightCache<K, V> extends SingleFlight<K, V> {
  /** The cached or in-flight value for `key`, computed by `load` at most once at a time. */
  get(key: K, load: () => Promise<V>): Promise<V> {
    return this.run(key, load);
  }

  /** Stores a value computed elsewhere (e.g. by an explicit add). */
  set(key: K, value: V): void {
    this.flights.set(key, Promise.resolve(value));
  }

  delete(key: K): void {
    this.flights.delete(key);
  }

  protected override settled(key: K, p: Promise<V>, ok: boolean): void {
    if (!ok) super.settled(key, p, ok);
  }
}
