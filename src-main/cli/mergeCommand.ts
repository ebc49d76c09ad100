// `camscope merge OUT.camscope SHARD.camscope …`: the shards of a sharded eval into one project.
import { resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import { mergeShards } from '../evaluation/mergeShards.js';
import { parseArgs } from './args.js';
import type { CliIO } from './command.js';

export async function mergeCommand(argv: string[], io: CliIO): Promise<void> {
  const [out, ...shards] = parseArgs(argv, {}).positionals.map((p) => resolve(p));
  if (!out || shards.length === 0) throw new CamscopeError('merge: expected OUT.camscope and one or more shard projects');
  const m = mergeShards(out, shards);
  io.out(
    `${out}: ${m.shards} shards merged, ${m.images} images, runs ${m.methods.join(', ')} (model sha256 ${m.modelSha256.slice(0, 12)}…); ` +
      `'camscope eval --project ${out}' with the same options and no --shard writes its reports without recomputing\n`,
  );
}
