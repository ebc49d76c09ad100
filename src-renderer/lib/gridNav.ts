// Keyboard movement of the gallery cursor over a grid of `columns` columns holding `total` items.

export type NavKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'PageUp' | 'PageDown' | 'Home' | 'End';

export function isNavKey(key: string): key is NavKey {
  return ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End'].includes(key);
}

/** The new cursor; from "no cursor" (−1) any key lands on the first item. Moves stop at the ends, they never wrap. */
export function moveCursor(index: number, key: NavKey, columns: number, total: number, pageRows = 4): number {
  if (total <= 0) return -1;
  if (index < 0) return 0;
  const last = total - 1;
  const step: Record<NavKey, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -columns,
    ArrowDown: columns,
    PageUp: -columns * pageRows,
    PageDown: columns * pageRows,
    Home: -Infinity,
    End: Infinity,
  };
  const next = index + step[key];
  // Down from the last full row lands on the last item rather than refusing to move.
  if (key === 'ArrowDown' || key === 'PageDown') return Math.min(next, last);
  if (key === 'ArrowUp' || key === 'PageUp') return next < 0 ? index % columns : next;
  return Math.min(last, Math.max(0, next));
}
