// What the shape probe learned about a model, kept by the model file's sha256 and the probed input
// dims, so opening the same model again skips the probe (running the model with every tensor
// exposed, twice for a dynamic batch: seconds on a large model). A user cache under CAMSCOPE_HOME
// (one JSON file per entry, written atomically) and, for a project, its store (ProbeCache).
// A cache entry that cannot be read or does not have the expected form is ignored and re-probed.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeProto } from './onnxModel.js';
import type { ProbeResult } from './shapeProbe.js';
import { camscopeHome } from '../terminal/camscopeHome.js';

/** Bumped when what the probe records changes: older entries are then ignored. */
export const PROBE_FORMAT = 1;

export interface ProbeCache {
  get(key: string): string | undefined;
  set(key: string, json: string): void;
}

/** `model` identifies the file and the graph as loaded (sha256 and a digest of the nodes). */
export function probeKey(model: string, inputDims: number[], otherBatch: number | undefined): string {
  return `v${PROBE_FORMAT}-${model}-${inputDims.join('x')}${otherBatch === undefined ? '' : `-b${otherBatch}`}`;
}

/** CAMSCOPE_HOME/cache/probe/<key>.json */
export function userProbeCache(home = camscopeHome()): ProbeCache {
  const dir = join(home, 'cache', 'probe');
  return {
    get(key) {
      try {
        return readFileSync(join(dir, `${key}.json`), 'utf8');
      } catch {
        return undefined;
      }
    },
    set(key, json) {
      // A read-only or full home only costs the next open a probe.
      try {
        mkdirSync(dir, { recursive: true });
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        writeFileSync(tmp, json);
        renameSync(tmp, join(dir, `${key}.json`));
      } catch {
        /* not cached */
      }
    },
  };
}

/** Entries handed over from a cache this process cannot open (a project store, to an explain worker). */
export function entriesProbeCache(entries: readonly [string, string][]): ProbeCache {
  const map = new Map(entries);
  return { get: (key) => map.get(key), set: (key, json) => void map.set(key, json) };
}

/**
 * Whether a cached probe describes this graph: every node output produced by the same op, nothing else, at the
 * batch the probe would run. The key already names the sha256 and format version; this catches an entry that
 * was copied or edited under another model's key.
 */
export function probeFitsGraph(p: ProbeResult, nodes: readonly NodeProto[], batch: number): boolean {
  if (p.batch !== batch) return false;
  let outputs = 0;
  for (const n of nodes) {
    for (const o of n.output ?? []) {
      if (!o) continue;
      outputs++;
      if (p.producers.get(o) !== (n.opType ?? '')) return false;
    }
  }
  return outputs === p.producers.size;
}

export function serializeProbe(p: ProbeResult): string {
  return JSON.stringify({ shapes: [...p.shapes], types: [...p.types], producers: [...p.producers], batch: p.batch, values: [...p.values] });
}

/** The probe result in `json`, or null when it is not one. */
export function parseProbe(json: string | undefined): ProbeResult | null {
  if (json === undefined) return null;
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    const pairs = (v: unknown, ok: (x: unknown) => boolean) =>
      Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && ok(e[1]));
    const ints = (x: unknown) => Array.isArray(x) && x.every(Number.isInteger);
    const tensor = (x: unknown) => {
      const t = x as { dims?: unknown; dataType?: unknown; data?: unknown };
      return typeof t === 'object' && t !== null && ints(t.dims) && Number.isInteger(t.dataType) && ints(t.data);
    };
    if (
      !pairs(o.shapes, ints) ||
      !pairs(o.types, (x) => typeof x === 'string') ||
      !pairs(o.producers, (x) => typeof x === 'string') ||
      !pairs(o.values, tensor) ||
      !Number.isInteger(o.batch)
    )
      return null;
    return {
      shapes: new Map(o.shapes as [string, number[]][]),
      types: new Map(o.types as [string, string][]),
      producers: new Map(o.producers as [string, string][]),
      batch: o.batch as number,
      values: new Map(o.values as [string, ProbeResult['values'] extends Map<string, infer T> ? T : never][]),
    };
  } catch {
    return null;
  }
}
