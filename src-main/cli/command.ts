// What every command shares: where it writes (CliIO), the model options and their parsing, writing an output file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import type { ModelOptions } from '../explain/explainer.js';
import { type ParsedArgs, intOption, one } from './args.js';
import { parseDevice } from '../explain/device.js';

/** Where commands write: the process streams, or buffers in tests. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Progress lines go here (null: none). */
  progress: NodeJS.WriteStream | null;
}

export const PROCESS_IO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr,
};

export const MODEL_OPTIONS = {
  model: {},
  preset: {},
  size: {},
  mean: {},
  std: {},
  labels: {},
  'label-offset': {},
  output: {},
  device: {},
} as const;

export function modelOptions(a: ParsedArgs): ModelOptions {
  return {
    preset: one(a, 'preset'),
    size: one(a, 'size'),
    mean: one(a, 'mean'),
    std: one(a, 'std'),
    labels: one(a, 'labels'),
    labelOffset: intOption(a, 'label-offset'),
    device: parseDevice(one(a, 'device')),
    output: one(a, 'output'),
  };
}

/** Writes a command's output file, creating its folder; a failure is one line naming the file. */
export function writeOutput(file: string, data: string | Buffer): void {
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, data);
  } catch (e) {
    throw new CamscopeError(`${file}: cannot write: ${(e as Error).message}`);
  }
}

/** The line every long command ends with: how many images, how long, how many per second. */
export function throughputLine(images: number, startedAt: number): string {
  const seconds = (performance.now() - startedAt) / 1000;
  return `${images} image${images === 1 ? '' : 's'} in ${seconds.toFixed(2)} s (${(images / seconds).toFixed(1)} images/s)\n`;
}
