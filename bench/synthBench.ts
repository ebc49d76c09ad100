// `node --import tsx bench/synthBench.ts [--count N]`: images/s of `camscope synth` (all scenarios) at
// several render concurrencies, wall clock and CPU time per image of this process (sharp's threads included).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseArgs } from '../src-main/cli/args.js';
import { generateSynth } from '../src-main/synth/generate.js';
import { SCENARIOS } from '../src-main/synth/scene.js';

const args = parseArgs(process.argv.slice(2), { count: {} });
const count = intOption(args, 'count') ?? 100;
const total = count * SCENARIOS.length;
for (const concurrency of [1, 4, 8, 16]) {
  const out = mkdtempSync(join(tmpdir(), 'camscope-synth-bench-'));
  const start = performance.now();
  const cpu = process.cpuUsage();
  await generateSynth({ out, seed: 1, count, scenarios: SCENARIOS, split: 'train', size: 128, concurrency });
  const used = process.cpuUsage(cpu);
  const wall = (performance.now() - start) / 1000;
  const cpuMs = (used.user + used.system) / 1000 / total;
  console.log(
    `concurrency ${concurrency}: ${(total / wall).toFixed(0)} images/s wall, ${cpuMs.toFixed(2)} ms CPU/image (${(1000 / cpuMs).toFixed(0)} images/s per core)`,
  );
  rmSync(out, { recursive: true });
}
