// Rows of a paged query held by page: fetched on demand, dropped wholesale when the query changes.

export interface Page<T> {
  total: number;
  rows: T[];
}

export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>;

/**
 * The gallery's window onto a result set of any size. Only pages someone asked for are fetched, each once; a
 * response that arrives after reset() belongs to an old query and is ignored. onChange fires after every landing
 * page so a view can re-read total and rows.
 */
export class PagedRows<T> {
  #pages = new Map<number, T[]>();
  #pending = new Set<number>();
  #generation = 0;
  #fetch: PageFetcher<T>;
  total: number | null = null;
  error: string | null = null;

  constructor(
    fetch: PageFetcher<T>,
    readonly pageSize: number,
    private readonly onChange: () => void = () => {},
    /** Pages kept at most; the farthest from the last request go first. */
    private readonly maxPages = 60,
  ) {
    this.#fetch = fetch;
  }

  /** Forget everything and fetch through a new fetcher (a new query); page 0 is requested at once for the total. */
  reset(fetch: PageFetcher<T>): Promise<void> {
    this.#fetch = fetch;
    this.#generation++;
    this.#pages.clear();
    this.#pending.clear();
    this.total = null;
    this.error = null;
    return this.ensure(0, 1);
  }

  /** The row at index, or undefined while its page is loading (or not asked for). */
  get(index: number): T | undefined {
    return this.#pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Fetches the missing pages covering items start..end−1; resolves when they have landed. */
  async ensure(start: number, end: number): Promise<void> {
    const first = Math.floor(start / this.pageSize);
    const last = Math.floor((Math.max(end, start + 1) - 1) / this.pageSize);
    const wanted: Promise<void>[] = [];
    for (let p = first; p <= last; p++) {
      if (this.total !== null && p * this.pageSize >= this.total) break;
      if (!this.#pages.has(p) && !this.#pending.has(p)) wanted.push(this.#load(p));
    }
    this.#evict((first + last) / 2);
    await Promise.all(wanted);
  }

  async #load(page: number): Promise<void> {
    const generation = this.#generation;
    this.#pending.add(page);
    try {
      const { total, rows } = await this.#fetch(page * this.pageSize, this.pageSize);
      if (generation !== this.#generation) return;
      this.total = total;
      this.#pages.set(page, rows);
    } catch (e) {
      if (generation !== this.#generation) return;
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (generation === this.#generation) this.#pending.delete(page);
    }
    this.onChange();
  }

  #evict(center: number): void {
    if (this.#pages.size <= this.maxPages) return;
    const far = [...this.#pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const p of far.slice(0, this.#pages.size - this.maxPages)) this.#pages.delete(p);
  }
}
