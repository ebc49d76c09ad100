// Brute-force 8-connected labelling for cross-checks: repeat "take the smallest neighbouring label" until stable.

/** Per pixel 0 (background) or 1 + the row-major index of its component's first pixel. */
export function minLabelFlood(mask: Uint8Array, w: number, h: number): Int32Array {
  const label = Int32Array.from(mask, (m, i) => (m ? i + 1 : 0));
  for (let changed = true; changed;) {
    changed = false;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (!label[p]) continue;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const nx = x + dx,
              ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const n = label[ny * w + nx]!;
            if (n && n < label[p]!) {
              label[p] = n;
              changed = true;
            }
          }
        }
      }
    }
  }
  return label;
}
