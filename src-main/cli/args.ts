// Long options for the commands: `--name value`, `--name=value`, repeatable options, boolean flags.
import { parseArgs as nodeParseArgs } from 'node:util';
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

/**
 * Long options through Node's `util.parseArgs` (its tokens, so every mistake is one line of ours): an unknown
 * option, a missing value (a separate value may not start with `--`; `--offset -1` is a value), a value given
 * to a flag, an option given twice unless repeatable. Anything else (`-3`, `-x`) is a positional.
 */
export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, s]) => [name, { type: s.flag ? ('boolean' as const) : ('string' as const), multiple: Boolean(s.repeat) }]),
  );
  const { tokens } = nodeParseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  let lastShort = -1;
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') throw new CamscopeError('unknown option -- (see --help)');
    if (!t.rawName.startsWith('--')) {
      // `-3`, `-x`: not an option here (Node splits `-ab` into one token per letter, all at one index).
      if (lastShort !== t.index) positionals.push(argv[t.index]!);
      lastShort = t.index;
      continue;
    }
    const s = Object.hasOwn(spec, t.name) ? spec[t.name] : undefined;
    if (!s) throw new CamscopeError(`unknown option ${t.rawName} (see --help)`);
    if (s.flag) {
      if (t.inlineValue) throw new CamscopeError(`--${t.name} takes no value`);
      flags.add(t.name);
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new CamscopeError(`--${t.name} needs a value`);
    const list = values.get(t.name) ?? [];
    if (list.length && !s.repeat) throw new CamscopeError(`--${t.name} given twice`);
    list.push(t.value);
    values.set(t.name, list);
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
