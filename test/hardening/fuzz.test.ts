// Property-based: random and malformed payloads on every IPC channel (through the router, to the real
// service layer) and random command lines (parser and main()) end in a validation error, exit 2 or a
// CamscopeError line — never an escaping exception, an internal error or exit 1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { parseArgs } from '../../src-main/cli/args.js';
import { CamscopeError } from '../../src-main/errors.js';
import { dispatch, type Handlers } from '../../src-main/services/router.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { type Channel, channels } from '../../src-shared/ipc.js';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CHANNELS = Object.keys(channels) as Channel[];

function assertOneLineError(error: string, context: unknown): void {
  assert.ok(error.length > 0 && !error.includes('\n'), `one line: ${inspect(context)}`);
  assert.doesNotMatch(error, /internal error/, `no internal error: ${error} for ${inspect(context)}`);
}

/** Values of every JSON-ish shape, plus the odd ones a hostile renderer could send. */
const hostile = fc.oneof(
  fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
  }),
  fc.constantFrom(Number.NaN, Infinity, -1, 2 ** 53, 1e300, -0, '', '../../etc/passwd', '\u0000', 'x'.repeat(5000), {
    __proto__: { polluted: true },
  }),
);

/** A payload of the channel's own shape with one field replaced by something hostile. */
const mutated = (channel: Channel) =>
  fc
    .tuple(fc.constantFrom(...Object.keys(validPayload(channel)), 'extra'), hostile)
    .map(([key, value]) => ({ ...validPayload(channel), [key]: value }));

function validPayload(channel: Channel): Record<string, unknown> {
  switch (channel) {
    case 'images.import':
      return { paths: [join(dir, 'missing.png')], dataset: 'd' };
    case 'images.query':
      return { offset: 0, limit: 10, filters: {}, sort: 'id', order: 'asc' };
    case 'images.detail':
      return { imageId: 1 };
    case 'models.add':
      return { path: join(dir, 'missing.onnx') };
    case 'runs.start':
      return { modelId: 7, methods: ['cam'], target: 'top1' };
    case 'runs.cancel':
      return { runId: 1 };
    case 'sanity.start':
      return { modelId: 7, methods: ['gradcam'], imageIds: [1], modes: ['cascading'] };
    case 'sanity.cancel':
    case 'sanity.result':
      return { checkId: 1 };
    case 'datasets.setLabelOffset':
      return { dataset: 'd', labelOffset: 1 };
    case 'sanity.strip':
      return { checkId: 1, imageId: 1 };
    default:
      return {};
  }
}

/** The real handlers, with imported paths kept inside the temp folder (a valid random path could be '/'). */
function confined(h: Handlers): Handlers {
  return {
    ...h,
    'images.import': (r) => h['images.import']({ ...r, paths: r.paths.map((p) => join(dir, 'imports', encodeURIComponent(p))) }),
  };
}

test('IPC: hostile payloads on every channel are refused or answered, never an internal error', async () => {
  const ws = Workspace.open(join(dir, 'fuzz.camscope'), { create: true });
  try {
    const handlers = confined(ws.handlers());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CHANNELS).chain((c) => fc.tuple(fc.constant(c), fc.oneof(hostile, mutated(c)))),
        async ([channel, payload]) => {
          const r = await dispatch(handlers, channel, payload);
          if (!r.ok) assertOneLineError(r.error, { channel, payload });
          else assert.ok(channels[channel].response.safeParse(r.value).success, `response of ${channel} fits the contract`);
        },
      ),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), hostile), hostile, async (channel, payload) => {
        const r = await dispatch(handlers, channel, payload);
        if (!CHANNELS.includes(channel as Channel)) assert.ok(!r.ok && /^unknown channel/.test(r.error) && !r.error.includes('\n'));
      }),
      { numRuns: 200 },
    );
  } finally {
    ws.close();
  }
});

const OPTIONS = [
  'model',
  'image',
  'method',
  'layer',
  'target',
  'score',
  'threshold',
  'preset',
  'size',
  'mean',
  'std',
  'labels',
  'label-offset',
  'batch',
  'json',
  'out',
  'project',
  'port',
];

test('CLI parser: random argv and specs parse or throw one CamscopeError line', () => {
  const spec = fc.dictionary(fc.constantFrom(...OPTIONS), fc.record({ flag: fc.boolean(), repeat: fc.boolean() }, { requiredKeys: [] }));
  const token = fc.oneof(
    fc.string(),
    fc.constantFrom(...OPTIONS).map((o) => `--${o}`),
    fc.constantFrom(...OPTIONS).map((o) => `--${o}=`),
    fc.constant('--'),
    fc.constant('--='),
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 12 }), spec, (argv, s) => {
      try {
        const parsed = parseArgs(argv, s);
        for (const name of parsed.flags) assert.ok(s[name]?.flag);
        for (const name of parsed.values.keys()) assert.ok(s[name] && !s[name].flag);
      } catch (e) {
        assert.ok(e instanceof CamscopeError, String(e));
        assert.ok(!e.message.includes('\n'));
      }
    }),
    { numRuns: 500 },
  );
});

test('CLI main(): random command lines exit 0 or 2 with one error line, never 1', async () => {
  const model = writeModel(join(dir, 'gap.onnx'), gapClassifier());
  const notImage = join(dir, 'not-an-image.png');
  writeFileSync(notImage, 'text');
  // Values that name files stay inside the temp folder; no good image, so nothing is ever written.
  const value = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      model,
      notImage,
      join(dir, 'missing.onnx'),
      join(dir, 'out'),
      '16x16',
      '0.5,0.5,0.5',
      'cam,gradcam',
      'top1',
      '-3',
      '1e9',
      'NaN',
      'softmax',
      'none',
      'features',
    ),
  );
  const option = fc.tuple(fc.constantFrom(...OPTIONS, 'help', 'bogus'), value).map(([o, v]) => [`--${o}`, v]);
  const command = fc.oneof(
    fc.constantFrom('layers', 'explain', 'help', '--help', '-h'),
    fc.string({ maxLength: 8 }).filter((c) => c !== 'demo' && c !== 'serve'),
  );
  await fc.assert(
    fc.asyncProperty(command, fc.array(option, { maxLength: 5 }), fc.boolean(), async (cmd, opts, withModel) => {
      const argv = [cmd, ...(withModel ? ['--model', model] : []), ...opts.flat()];
      const r = await runCli(argv);
      assert.ok(r.code === 0 || r.code === 2, `exit ${r.code} for ${JSON.stringify(argv)}: ${r.stderr}`);
      if (r.code === 2 && r.stderr) {
        assert.equal(r.stderr.trim().split('\n').length, 1, `${JSON.stringify(argv)}: ${r.stderr}`);
        assert.match(r.stderr, /^camscope: /);
      }
    }),
    { numRuns: 120 },
  );
});
