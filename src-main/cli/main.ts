// The `camscope` command line: the dispatch table of its commands (one file each), `--help` composed of their
// usage lines, and the exit-code contract (2 for bad input in one line, 1 for an internal error).
// Commands load lazily (dynamic imports): `camscope --help` loads none of ONNX Runtime, sharp or SQLite.
import { CamscopeError, firstLine } from '../errors.js';
import { type CliIO, PROCESS_IO } from './command.js';
import { METHOD_REGISTRY, passesText } from '../../src-shared/methods.js';

type Run = (argv: string[], io: CliIO) => Promise<void>;

interface Command {
  /** Its lines under `Usage:` in `camscope --help`, which `camscope <command> --help` prints alone. */
  usage: string;
  /** The command's module, imported on first use. */
  load(): Promise<Run>;
}

/** The dispatch table, in the order `--help` lists the commands. */
const COMMANDS: Record<string, Command> = {
  layers: {
    usage: `  camscope layers  --model M.onnx [--size WxH] [--output NAME] [--device D] [--json]   how the file was read, candidate layers`,
    load: async () => (await import('./layersCommand.js')).layersCommand,
  },
  explain: {
    usage: `  camscope explain --model M.onnx --image A.png [--image B.jpg …] [--method cam,gradcam]
                   [--layer auto|TENSOR …] [--target top1|INDEX] [--score logit|softmax] [--threshold 0.2]
                   [--preset imagenet|none|tf|pixels] [--size WxH] [--mean R,G,B] [--std R,G,B]
                   [--labels FILE] [--label-offset K] [--output NAME] [--batch N] [--device D] [--json OUT.json] [--out DIR]
                   [--shard K/N|auto] [--open [--project P.camscope]]   --open: store the maps in a project (default: the
                   one the app opens) as Quick look does, then open the app on the image (the Electron app where it
                   is installed, else a Chromium app window, or print its URL)`,
    load: async () => (await import('./explainCommand.js')).explainCommand,
  },
  demo: {
    usage: `  camscope demo    [--project FILE] [--report OUT.html] [--json OUT.json] [--count N] [--quick]   build or open the
                   demo project (CAM vs Grad-CAM on the bundled ImageNet photos and on synthetic shapes), wait for its
                   runs, write the study report (--json: its tables and per-image records as data), print its tables;
                   --quick leaves out Score-CAM (minutes on 2 cores)`,
    load: async () => (await import('./demoCommand.js')).demoCommand,
  },
  serve: {
    usage: `  camscope serve   [--project FILE] [--port N] [--device D] [--window]   the workstation on http://127.0.0.1 (token in
                   the URL); without --project, the project opened last, else the demo (~/.camscope/demo.camscope);
                   --window opens it in a Chromium app window (npm start), else prints the URL`,
    load: async () => (await import('./serve.js')).serveCommand,
  },
  synth: {
    usage: `  camscope synth   --out DIR [--seed S] [--count N] [--scenario single|small|multi|distractor|shortcut|all]
                   [--split train|test] [--size 128]   synthetic WSOL benchmark (wsolevaluation metadata)`,
    load: async () => (await import('./synthCommand.js')).synthCommand,
  },
  import: {
    usage: `  camscope import  --project P.camscope --dataset DIR [--format auto|folders|imagenet|cub|wsolevaluation|coco|voc]
                   [--split S] [--name NAME] [--verbose]   a dataset's images, labels and boxes into a project`,
    load: async () => (await import('./importCommand.js')).importCommand,
  },
  eval: {
    usage: `  camscope eval    --model M.onnx --dataset DIR [--format F] [--split S] [--methods cam,gradcam,…] [--project P]
                   [--report OUT.html] [--pdf OUT.pdf] [--csv OUT.csv] [--json OUT.json] [--export-maps DIR]
                   [--layer TENSOR] [--labels FILE] [--label-offset K] [--limit N] [--batch N] [--no-faithfulness] [--road]
                   [--bootstrap 1000] [--bootstrap-seed 0] [--threshold-split val] [--shard K/N|auto] [--device D]
                   [--mask-foreground class|objects]
                   localization, faithfulness and method agreement over a dataset, with reports`,
    load: async () => (await import('./evalCommand.js')).evalCommand,
  },
  merge: {
    usage: `  camscope merge   OUT.camscope SHARD.camscope …   the projects of 'eval --shard' runs into one (same model and
                   options, every shard once); 'eval --project OUT' then reports without recomputing`,
    load: async () => (await import('./mergeCommand.js')).mergeCommand,
  },
  sanity: {
    usage: `  camscope sanity  --model M.onnx --dataset DIR [--format F] [--split S] [--methods cam,gradcam,…] [--layer TENSOR]
                   [--limit 8] [--seed 0] [--batch N] [--json OUT.json] [--report OUT.html] [--project P]
                   model-parameter randomization (cascading, independent) and random-logit tests of each method
                   (--project: stored there for the app's Sanity view)`,
    load: async () => (await import('./sanityCommand.js')).sanityCommand,
  },
  camify: {
    usage: `  camscope camify  --model M.onnx --dataset DIR --out M-gap.onnx [--head conv-gap|linear] [--filters 32]
                   [--dilation D] [--layer auto|TENSOR] [--min-agreement 0.95] [--target-source model|labels]
                   [--val-split 0.2] [--seed S] [--l2 L] [--format F] [--split S] [--label-offset K] [--batch N]
                   [--device D] [--report OUT.html] [--json OUT.json]
                   train a GAP head on a layer's frozen features so CAM applies to any CNN: conv-gap (default) adds
                   the CAM paper's 3×3 conv (taps D cells apart; default 2 on maps at least 8 cells a side, else
                   1) + ReLU, distilled from the original's softmax; linear refits GAP → linear. auto fits the
                   default layer and the last map at each of the two coarsest resolutions and keeps the finest
                   whose validation agreement reaches --min-agreement (else the best agreement); --l2 defaults to
                   1e-4 (conv-gap) or 1e-2 (linear). The report compares the original's Grad-CAM with the CAM of this head and of the other one on
                   the validation images`,
    load: async () => (await import('./camifyCommand.js')).camifyCommand,
  },
};

/** The methods paragraph of --help, from the registry: id, title, runs per image, variants (* = default). */
function methodsHelp(): string {
  const titleWidth = Math.max(...METHOD_REGISTRY.map((m) => m.title.length));
  const rows = METHOD_REGISTRY.map((m) => {
    const runs = passesText(m) + (m.camHead ? '; GAP → linear head' : '');
    const variants = m.variants.length > 1 ? `variants ${m.variants.map((v) => v.name + (v.default ? '*' : '')).join(', ')}` : '';
    return `  ${m.id.padEnd(12)} ${m.title.padEnd(titleWidth)} ${runs.padEnd(34)}${variants}`.trimEnd();
  });
  return ['Methods (--method id or id:variant; * = default variant):', ...rows].join('\n');
}

const NOTES = `${methodsHelp()}
Several --layer options explain each layer in the same run; layercam also writes their fused map.
explain writes overlays (<image>.<method>.png, jet colormap, alpha 0.5, WSOL box) to DIR and
the maps, boxes and top-5 predictions as JSON (to OUT.json, or stdout when neither is given).
Preprocessing: model metadata when present, else --preset (default imagenet), overridden by
--size/--mean/--std (mean/std in 0..1 units, torchvision convention); --preset tf is Keras'
x/127.5 − 1, pixels is 0..255 (the default for uint8 inputs). NHWC and grayscale inputs are fed the image as the model expects it; a trailing
Softmax/LogSoftmax is recognized (maps explain the logits before it); --output picks the classifier
output of a model with several.
--device cpu|cuda|dml|coreml|auto: ONNX Runtime's execution provider for the model and its gradient and
head graphs (default cpu; auto: the first usable accelerator, else the CPU with a notice).
Exit codes: 0 ok, 2 bad input (one line naming the file and the problem), 1 internal error.`;

const HELP = [
  'camscope — Class Activation Maps for ONNX image classifiers',
  '',
  'Usage:',
  ...Object.values(COMMANDS).map((c) => c.usage),
  '',
  NOTES,
].join('\n');

const HELP_FLAGS = new Set(['--help', '-h']);

export async function main(argv: string[], io: CliIO = PROCESS_IO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || HELP_FLAGS.has(command)) {
      io.out(HELP + '\n');
      return command === undefined ? 2 : 0;
    }
    const cmd = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!cmd) throw new CamscopeError(`unknown command '${command}' (${Object.keys(COMMANDS).join(', ')}; see --help)`);
    if (rest.some((a) => HELP_FLAGS.has(a))) {
      io.out(`Usage:\n${cmd.usage}\n`);
      return 0;
    }
    await (
      await cmd.load()
    )(rest, io);
    return 0;
  } catch (e) {
    if (e instanceof CamscopeError) {
      io.err(`camscope: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`camscope: internal error: ${firstLine(e)}\n`);
    if (process.env.CAMSCOPE_DEBUG) io.err(`${(e as Error).stack}\n`);
    return 1;
  }
}
