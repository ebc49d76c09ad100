// Where ONNX Runtime runs the model, its gradient graph and its head sub-graphs: `--device
// cpu|cuda|dml|coreml|auto`, mapped to onnxruntime-node's execution providers. A device this install
// cannot use is a one-line error naming what is missing; `auto` takes the first usable accelerator
// (CUDA, DirectML, Core ML) and falls back to the CPU with a notice. The shape probe stays on the CPU
// (it only learns shapes).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { CamscopeError } from '../errors.js';
import { DEVICES, type Device } from '../../src-shared/explainTypes.js';

export { DEVICES, type Device };
export type ConcreteDevice = Exclude<Device, 'auto'>;

/** The execution providers a session is created with: the device's, then the CPU for operators it lacks. */
export function providersFor(device: ConcreteDevice): string[] {
  return device === 'cpu' ? ['cpu'] : [device, 'cpu'];
}

export function parseDevice(v: string | undefined): Device {
  if (v === undefined) return 'cpu';
  if ((DEVICES as readonly string[]).includes(v)) return v as Device;
  throw new CamscopeError(`--device: expected ${DEVICES.join(', ')}, got '${v}'`);
}

const ACCELERATORS: Record<Exclude<ConcreteDevice, 'cpu'>, { platforms: NodeJS.Platform[]; name: string; where: string }> = {
  cuda: { platforms: ['linux', 'win32'], name: 'CUDA', where: 'Linux and Windows' },
  dml: { platforms: ['win32'], name: 'DirectML', where: 'Windows' },
  coreml: { platforms: ['darwin'], name: 'Core ML', where: 'macOS' },
};

/** Why this install cannot run on `device`, or null when it can (as far as can be told before a session starts). */
export function unavailable(device: ConcreteDevice, platform: NodeJS.Platform = process.platform): string | null {
  if (device === 'cpu') return null;
  const { platforms, name, where } = ACCELERATORS[device];
  if (!platforms.includes(platform)) return `${name} is only available on ${where} (this is ${platform})`;
  const backend = ort.listSupportedBackends?.().find((b) => b.name === device);
  if (!backend) return `this onnxruntime-node build has no ${name} execution provider`;
  if (device === 'cuda' && !backend.bundled && !existsSync(cudaProviderLibrary(platform))) {
    return `onnxruntime-node's CUDA provider is not installed (${cudaProviderLibrary(platform)} is missing): reinstall it with npm install onnxruntime-node --onnxruntime-node-install=cuda12 (needs CUDA 12 and cuDNN 9)`;
  }
  return null;
}

function cudaProviderLibrary(platform: NodeJS.Platform): string {
  const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const lib = platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return join(root, 'bin', 'napi-v6', platform, process.arch, lib);
}

/** The device to run on: `device` itself (or an error saying what is missing), or for 'auto' the first usable one. */
export function resolveDevice(device: Device): { device: ConcreteDevice; notice?: string } {
  if (device !== 'auto') {
    const why = unavailable(device);
    if (why) throw new CamscopeError(`--device ${device}: ${why}`);
    return { device };
  }
  const reasons: string[] = [];
  for (const d of ['cuda', 'dml', 'coreml'] as const) {
    const why = unavailable(d);
    if (!why) return { device: d, notice: `--device auto: running on ${ACCELERATORS[d].name}` };
    reasons.push(`${d}: ${why}`);
  }
  return { device: 'cpu', notice: `--device auto: no accelerator, running on the CPU (${reasons.join('; ')})` };
}
