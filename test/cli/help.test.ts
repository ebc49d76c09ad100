// `camscope --help` is README's CLI block, each command's --help is its part of it, and the option parser
// (util.parseArgs underneath) keeps the one-line contract: a mistake is one line, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { parseArgs } from '../../src-main/cli/args.js';
import { REPO_ROOT } from '../../src-main/cli/serve.js';
import { runCli } from '../helpers/cli.js';

const readmeCli = (): string => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /## CLI\n\n```\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a ## CLI code block');
  return block[1]!;
};

test("camscope --help prints README's CLI block; no command prints it and exits 2", async () => {
  for (const flag of ['--help', '-h', 'help']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, readmeCli(), `${flag} differs from README.md's ## CLI block: update both`);
  }
  const bare = await runCli([]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, readmeCli());
});

test("each command's --help is its usage lines of the global help", async () => {
  const help = (await runCli(['--help'])).stdout;
  const commands = [...help.matchAll(/^ {2}camscope (\w+)/gm)].map((m) => m[1]!);
  assert.deepEqual(commands, ['layers', 'explain', 'demo', 'serve', 'synth', 'import', 'eval', 'merge', 'sanity', 'camify']);
  for (const [i, name] of commands.entries()) {
    const r = await runCli([name, '--model', 'x.onnx', '--help']);
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`^Usage:\\n {2}camscope ${name} `));
    const own = r.stdout.slice('Usage:\n'.length);
    assert.ok(help.includes(own), `${name}'s usage is part of --help`);
    const next = commands[i + 1];
    assert.ok(!own.includes(`camscope ${next ?? '\0'}`), `${name}'s usage stops before ${next}`);
  }
});

test('unknown commands and options, missing values, values to flags: one line, exit 2', async () => {
  const cases: [string[], string][] = [
    [['frobnicate'], "camscope: unknown command 'frobnicate' (layers, explain, demo, serve, synth, import, eval, merge, sanity, camify; see --help)"],
    [
      ['constructor'],
      "camscope: unknown command 'constructor' (layers, explain, demo, serve, synth, import, eval, merge, sanity, camify; see --help)",
    ],
    [['layers', '--bogus'], 'camscope: unknown option --bogus (see --help)'],
    [['layers', '--model'], 'camscope: --model needs a value'],
    [['layers', '--model', '--json'], 'camscope: --model needs a value'],
    [['layers', '--model', 'a.onnx', '--json=yes'], 'camscope: --json takes no value'],
    [['layers', '--model', 'a.onnx', '--model', 'b.onnx'], 'camscope: --model given twice'],
    [['layers', '--', '--model', 'a.onnx'], 'camscope: unknown option -- (see --help)'],
    [['camify', '--dataset', 'd'], 'camscope: --model is required'],
    [['explain', '--model', 'm.onnx', '--image', 'a.png', '--threshold', 'x'], "camscope: --threshold: expected a fraction in (0, 1), got 'x'"],
  ];
  for (const [argv, line] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, JSON.stringify(argv));
    assert.equal(r.stderr, `${line}\n`, JSON.stringify(argv));
    assert.equal(r.stdout, '');
  }
});

test('the parser: inline and separate values, repeats, flags, a negative number is a value, stray words are positionals', () => {
  const spec = { model: {}, image: { repeat: true }, json: { flag: true }, 'label-offset': {} };
  const a = parseArgs(['--model=m.onnx', '--image', 'a.png', 'stray', '--image=b.png', '--json', '--label-offset', '-1', '-x'], spec);
  assert.deepEqual(
    [...a.values],
    [
      ['model', ['m.onnx']],
      ['image', ['a.png', 'b.png']],
      ['label-offset', ['-1']],
    ],
  );
  assert.deepEqual([...a.flags], ['json']);
  assert.deepEqual(a.positionals, ['stray', '-x']);
  assert.deepEqual(parseArgs(['--model='], spec).values.get('model'), [''], 'an empty inline value is a value');
  assert.throws(
    () => parseArgs(['--__proto__', 'x'], spec),
    (e) => e instanceof CamscopeError && e.message === 'unknown option --__proto__ (see --help)',
  );
});
