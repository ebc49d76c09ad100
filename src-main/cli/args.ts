// Minimal long-option parser: `--name value`, `--name=value`, repeatable options, boolean flags.
import { CamscopeError } from '../errors.js';

export interface OptionSpec {
  /** Takes a value (default) or is a boolean flag. */
  flag?: boolean;
  /** May be given several times (values collected in order). */
  repeat?: boolean;
}

export interface ParsedArgs {
  values: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new CamscopeError(`unknown option --${name} (see --help)`);
    if (s.flag) {
      if (eq >= 0) throw new CamscopeError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new CamscopeError(`--${name} needs a value`);
    const list = values.get(name) ?? [];
    if (list.length && !s.repeat) throw new CamscopeError(`--${name} given twice`);
    list.push(value);
    values.set(name, list);
  }
  return { values, flags, positionals };
}

export function one(a: ParsedArgs, name: string): string | undefined {
  return a.values.get(name)?.[0];
}

export function required(a: ParsedArgs, name: string): string {
  const v = one(a, name);
  if (v === undefined) throw new CamscopeError(`--${name} is required`);
  return v;
}

export function intOption(a: ParsedArgs, name: string): number | undefined {
  const v = one(a, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new CamscopeError(`--${name}: expected an integer, got '${v}'`);
  return Number(v);
}
