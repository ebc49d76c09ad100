// Number and time formatting shared by every view (fixed widths where columns line up).

/** 0.4567 → "45.7 %"; null/NaN → "–". */
export function percent(v: number | null | undefined, digits = 1): string {
  return v == null || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(digits)} %`;
}

/** An IoU or a score in [0, 1] with two decimals; null → "–". */
export function fixed2(v: number | null | undefined): string {
  return v == null || Number.isNaN(v) ? '–' : v.toFixed(2);
}

/** 950 → "950 ms", 61_000 → "1 min 01 s", 3_723_000 → "1 h 02 min". */
export function duration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Seconds remaining; "–" while unknown (no rate yet) and "< 1 s" at the very end. */
export function eta(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  return seconds < 1 ? '< 1 s' : duration(seconds * 1000);
}

/** Images per second with sensible precision. */
export function rate(perSecond: number | null | undefined): string {
  if (perSecond == null || !Number.isFinite(perSecond) || perSecond <= 0) return '–';
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)} img/s`;
}

/** 12345 → "12 345" (thin space groups read well in dense tables without locale surprises). */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** [C, H, W] → "2048 × 7 × 7". */
export function shape(dims: readonly number[]): string {
  return dims.join(' × ');
}

/** The last path segment, for compact labels; the full path goes in a tooltip. */
export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** What an images.import did, for a notice: "Imported 3 images, skipped 1 (not a readable image)". */
export function importSummary(res: { added: number; skipped: readonly { reason: string }[] }): string {
  const skipped = res.skipped.length ? `, skipped ${res.skipped.length} (${res.skipped[0]!.reason}${res.skipped.length > 1 ? ', …' : ''})` : '';
  return `Imported ${res.added} image${res.added === 1 ? '' : 's'}${skipped}`;
}
