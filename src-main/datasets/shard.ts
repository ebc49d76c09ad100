// Deterministic sharding of a dataset over N processes (Slurm arrays, Kubernetes Indexed Jobs, or any loop):
// an image belongs to shard ⌊sha256(identity)⌋ mod N, where its identity is its dataset id (the posix path
// under the root), so every task computes the same partition whatever the order, machine or mount point.
import { createHash } from 'node:crypto';
import { CamscopeError } from '../errors.js';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** 'K/N' with K 1-based, as the command line writes it. */
export function shardLabel(s: Shard): string {
  return `${s.index + 1}/${s.count}`;
}

/** Which shard an identity falls in: the first 48 bits of its sha256, mod N. */
export function shardOf(identity: string, count: number): number {
  return createHash('sha256').update(identity).digest().readUIntBE(0, 6) % count;
}

export function inShard(identity: string, s: Shard): boolean {
  return shardOf(identity, s.count) === s.index;
}

const int = (v: string) => (/^\d+$/.test(v) ? Number(v) : NaN);

/**
 * `--shard K/N` (K in 1..N), or `--shard auto`: the index from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN,
 * so `--array=0-2` and `--array=1-3` both work) with SLURM_ARRAY_TASK_COUNT, or from a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX with CAMSCOPE_SHARD_COUNT (Kubernetes does not export the completion count).
 */
export function parseShard(value: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (value === undefined) return null;
  if (value === 'auto') return shardFromEnv(env);
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const shard = m ? { index: Number(m[1]) - 1, count: Number(m[2]) } : null;
  if (!shard || shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    throw new CamscopeError(`--shard: expected K/N with 1 ≤ K ≤ N (e.g. 2/8) or 'auto', got '${value}'`);
  }
  return shard;
}

function shardFromEnv(env: NodeJS.ProcessEnv): Shard {
  const check = (index: number, count: number, from: string): Shard => {
    if (!(count >= 1) || !(index >= 0) || index >= count)
      throw new CamscopeError(`--shard auto: ${from} gives shard index ${index} of ${count}, outside 0..${count - 1}`);
    return { index, count };
  };
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (env.SLURM_ARRAY_TASK_COUNT === undefined)
      throw new CamscopeError('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    const from = `SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID} (min ${env.SLURM_ARRAY_TASK_MIN ?? 0}), SLURM_ARRAY_TASK_COUNT=${env.SLURM_ARRAY_TASK_COUNT}`;
    return check(int(env.SLURM_ARRAY_TASK_ID) - int(env.SLURM_ARRAY_TASK_MIN ?? '0'), int(env.SLURM_ARRAY_TASK_COUNT), from);
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.CAMSCOPE_SHARD_COUNT === undefined)
      throw new CamscopeError("--shard auto: JOB_COMPLETION_INDEX is set but CAMSCOPE_SHARD_COUNT (the Job's completions) is not");
    return check(
      int(env.JOB_COMPLETION_INDEX),
      int(env.CAMSCOPE_SHARD_COUNT),
      `JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX}, CAMSCOPE_SHARD_COUNT=${env.CAMSCOPE_SHARD_COUNT}`,
    );
  }
  throw new CamscopeError('--shard auto: no SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment (use --shard K/N)');
}
