// Geometry of the virtualized gallery: columns for a width, the rows in view, the pages those rows need.

export interface GridLayout {
  columns: number;
  cellWidth: number;
  /** Row pitch in px (cell height plus gap). */
  rowHeight: number;
}

/** As many columns of at least minCell px as fit; cells stretch to fill the width. caption is the text under the image. */
export function gridLayout(width: number, minCell: number, gap: number, caption: number): GridLayout {
  const columns = Math.max(1, Math.floor((width + gap) / (minCell + gap)));
  const cellWidth = Math.max(1, Math.floor((width - gap * (columns - 1)) / columns));
  return { columns, cellWidth, rowHeight: cellWidth + caption + gap };
}

export interface VisibleRange {
  firstRow: number;
  /** Exclusive. */
  endRow: number;
  /** Item indices covered, end exclusive, clamped to the item count. */
  start: number;
  end: number;
}

/** Rows intersecting the viewport plus overscan rows on each side, so fast scrolling meets rendered cells. */
export function visibleRange(scrollTop: number, viewport: number, layout: GridLayout, total: number, overscan = 2): VisibleRange {
  const rows = Math.ceil(total / layout.columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / layout.rowHeight) - overscan);
  const endRow = Math.min(rows, Math.ceil((scrollTop + viewport) / layout.rowHeight) + overscan);
  const start = Math.min(total, firstRow * layout.columns);
  const end = Math.min(total, Math.max(start, endRow * layout.columns));
  return { firstRow, endRow, start, end };
}

/** The scrollTop that brings row into view with the least movement (unchanged when it already is). */
export function scrollToRow(row: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}
