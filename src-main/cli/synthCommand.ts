// `camscope synth`: writes the synthetic WSOL benchmark (images + wsolevaluation metadata).
import { CamscopeError } from '../errors.js';
import { generateSynth } from '../synth/generate.js';
import { SCENARIOS, type Scenario, type Split } from '../synth/scene.js';
import { intOption, one, parseArgs, required } from './args.js';
import type { CliIO } from './command.js';
import { Progress } from '../terminal/progress.js';

function parseScenarios(v: string | undefined): Scenario[] {
  if (v === undefined || v === 'all') return [...SCENARIOS];
  const s = SCENARIOS.find((x) => x === v);
  if (!s) throw new CamscopeError(`--scenario: expected ${SCENARIOS.join(', ')} or all, got '${v}'`);
  return [s];
}

function parseSplit(v: string | undefined): Split {
  if (v === undefined || v === 'train' || v === 'test') return v ?? 'test';
  throw new CamscopeError(`--split: expected train or test, got '${v}'`);
}

export async function synthCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { out: {}, seed: {}, count: {}, scenario: {}, split: {}, size: {} });
  const out = required(a, 'out');
  const scenarios = parseScenarios(one(a, 'scenario'));
  const count = intOption(a, 'count') ?? 100;
  const progress = io.progress ? new Progress(count * scenarios.length, 'images', io.progress) : null;
  const start = Date.now();
  const m = await generateSynth({
    out,
    seed: intOption(a, 'seed') ?? 0,
    count,
    scenarios,
    split: parseSplit(one(a, 'split')),
    size: intOption(a, 'size') ?? 128,
    onProgress: (done) => progress?.update(done),
  });
  const seconds = (Date.now() - start) / 1000;
  io.err(`${m.images.length} images (${m.scenarios.join(', ')}; ${m.split}) written to ${out} in ${seconds.toFixed(1)} s\n`);
}
