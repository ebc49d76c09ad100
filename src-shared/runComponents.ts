// Largest 8-connected component of a binary image given as horizontal runs, row by row: the labelling behind the
// WSOL box (src-shared/wsolBox.ts), whether the runs come from a stored upsampled map or straight from the layer map.
import type { Box } from './explainTypes.js';

/**
 * Feed rows in order (`row` for every row, empty ones too), each row's maximal runs in x order (`add`, x1 exclusive);
 * `largest` is the box of the biggest component in pixel-edge coordinates, ties to the component met first in a
 * row-major scan. A run joins every run of the row above that touches it, diagonals included, through a union-find
 * that keeps size, extent and first run at each root; memory is per run, not per pixel.
 */
export class RunComponents {
  private readonly parent: number[] = [];
  private readonly size: number[] = [];
  private readonly ext: number[] = []; // x0, y0, x1, y1 per run, meaningful at roots
  private readonly runX0: number[] = [];
  private readonly runX1: number[] = [];
  private above = 0; // first run of the previous row
  private rowStart = 0; // first run of this row
  private next = 0; // first run above that may still touch the next run of this row
  private y = -1;

  row(y: number): void {
    this.above = this.rowStart;
    this.rowStart = this.parent.length;
    this.next = this.above;
    this.y = y;
  }

  add(x0: number, x1: number): void {
    const { parent, runX0, runX1 } = this;
    const r = parent.length;
    parent.push(r);
    this.size.push(x1 - x0);
    this.ext.push(x0, this.y, x1, this.y + 1);
    runX0.push(x0);
    runX1.push(x1);
    // Runs above are in x order: skip those ending before column x0 − 1, join those starting by column x1.
    while (this.next < this.rowStart && runX1[this.next]! < x0) this.next++;
    for (let k = this.next; k < this.rowStart && runX0[k]! <= x1; k++) this.union(r, k);
  }

  largest(): Box | null {
    const { parent, size, ext } = this;
    let best = -1;
    for (let r = 0; r < parent.length; r++) {
      if (parent[r] === r && (best < 0 || size[r]! > size[best]!)) best = r;
    }
    return best < 0 ? null : [ext[4 * best]!, ext[4 * best + 1]!, ext[4 * best + 2]!, ext[4 * best + 3]!];
  }

  private find(r: number): number {
    const parent = this.parent;
    while (parent[r] !== r) r = parent[r] = parent[parent[r]!]!;
    return r;
  }

  private union(a: number, b: number): void {
    a = this.find(a);
    b = this.find(b);
    if (a === b) return;
    const { parent, size, ext } = this;
    // The smaller index is the earlier run, so the root stays the component's first pixel in scan order.
    const [root, child] = a < b ? [a, b] : [b, a];
    parent[child] = root;
    size[root]! += size[child]!;
    ext[4 * root] = Math.min(ext[4 * root]!, ext[4 * child]!);
    ext[4 * root + 1] = Math.min(ext[4 * root + 1]!, ext[4 * child + 1]!);
    ext[4 * root + 2] = Math.max(ext[4 * root + 2]!, ext[4 * child + 2]!);
    ext[4 * root + 3] = Math.max(ext[4 * root + 3]!, ext[4 * child + 3]!);
  }
}

/** Collects one row's passing pixels or spans, left to right, into maximal runs (adjacent spans merge). */
export class RowRuns {
  private x0 = -1;
  private x1 = -1;

  constructor(private readonly components: RunComponents) {}

  row(y: number): void {
    this.flush();
    this.components.row(y);
  }

  span(x0: number, x1: number): void {
    if (x0 >= x1) return;
    if (x0 === this.x1) this.x1 = x1;
    else {
      this.flush();
      this.x0 = x0;
      this.x1 = x1;
    }
  }

  /** Ends the last row; call before `components.largest()`. */
  flush(): void {
    if (this.x0 >= 0) this.components.add(this.x0, this.x1);
    this.x0 = this.x1 = -1;
  }
}
