// A small LRU cache in front of an async loader, with a cap on requests in flight and "asked for now" before "wanted".

type Waiter<V> = { resolve: (v: V) => void; reject: (e: unknown) => void };

/**
 * Used for per-image details: views ask for what they show now (load, served first, in asking order); the gallery
 * declares what is on screen (want, served after, replacing the previous wish) so keys that scrolled out of view
 * are dropped instead of fetched late.
 */
export class KeyedLoader<K, V> {
  #cache = new Map<K, V>();
  #inFlight = new Map<K, Promise<V>>();
  #urgent: K[] = [];
  #background: K[] = [];
  #waiters = new Map<K, Waiter<V>[]>();

  constructor(
    private readonly loadOne: (key: K) => Promise<V>,
    private readonly capacity = 1500,
    private readonly maxInFlight = 6,
    private readonly onLoaded: (key: K, value: V) => void = () => {},
  ) {}

  /** The cached value, refreshing its recency; undefined when absent. */
  peek(key: K): V | undefined {
    const v = this.#cache.get(key);
    if (v !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, v);
    }
    return v;
  }

  /** The value: cached, joined to a request in flight, or fetched ahead of everything merely wanted. */
  load(key: K): Promise<V> {
    const cached = this.peek(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const running = this.#inFlight.get(key);
    if (running) return running;
    return new Promise<V>((resolve, reject) => {
      const list = this.#waiters.get(key);
      if (list) list.push({ resolve, reject });
      else {
        this.#waiters.set(key, [{ resolve, reject }]);
        this.#urgent.push(key);
      }
      this.#pump();
    });
  }

  /** Replaces the background wish list with these keys (in order), skipping what is cached or already coming. */
  want(keys: Iterable<K>): void {
    this.#background = [...keys].filter((k) => !this.#cache.has(k) && !this.#inFlight.has(k) && !this.#waiters.has(k));
    this.#pump();
  }

  /** Drops everything cached (the data behind it changed, e.g. a run finished). */
  clear(): void {
    this.#cache.clear();
  }

  get size(): number {
    return this.#cache.size;
  }

  #pump(): void {
    while (this.#inFlight.size < this.maxInFlight) {
      const key = this.#urgent.length ? this.#urgent.shift()! : this.#background.shift();
      if (key === undefined) return;
      if (this.#inFlight.has(key)) continue;
      const cached = this.#cache.get(key);
      if (cached !== undefined) {
        this.#settle(key, (w) => w.resolve(cached));
        continue;
      }
      const p = this.loadOne(key);
      this.#inFlight.set(key, p);
      p.then(
        (value) => {
          this.#cache.set(key, value);
          if (this.#cache.size > this.capacity) this.#cache.delete(this.#cache.keys().next().value as K);
          this.#settle(key, (w) => w.resolve(value));
          this.onLoaded(key, value);
        },
        (err) => this.#settle(key, (w) => w.reject(err)),
      ).finally(() => {
        this.#inFlight.delete(key);
        this.#pump();
      });
    }
  }

  #settle(key: K, fn: (w: Waiter<V>) => void): void {
    const list = this.#waiters.get(key);
    this.#waiters.delete(key);
    list?.forEach(fn);
  }
}
