// The evaluations.metrics column holds flat name → number pairs; vectors an evaluation needs again on
// resume (the ground-truth-class map, score curves) are stored element-wise as `name.k`.

/** Scalars (null ones left out) and vectors as one flat record. */
export function packMetrics(values: Record<string, number | null>, vectors: Record<string, ArrayLike<number>> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) {
    if (k.includes('.')) throw new RangeError(`metric name '${k}' must not contain '.'`);
    if (v !== null && Number.isFinite(v)) out[k] = v;
  }
  for (const [name, vec] of Object.entries(vectors)) {
    for (let i = 0; i < vec.length; i++) out[`${name}.${i}`] = vec[i]!;
  }
  return out;
}

/** The inverse of packMetrics: `names` are the scalars expected (absent → null). */
export function unpackMetrics(
  stored: Record<string, number>,
  names: readonly string[],
): { values: Record<string, number | null>; vectors: Record<string, number[]> } {
  const values: Record<string, number | null> = {};
  for (const n of names) values[n] = stored[n] ?? null;
  const vectors: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(stored)) {
    const dot = k.lastIndexOf('.');
    if (dot < 0) continue;
    (vectors[k.slice(0, dot)] ??= [])[Number(k.slice(dot + 1))] = v;
  }
  return { values, vectors };
}
