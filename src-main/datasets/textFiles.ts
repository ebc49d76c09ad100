// Reading dataset text files as they come from the wild: UTF-8 only (a clear error otherwise), BOM,
// CRLF, blank lines and trailing spaces tolerated. Line numbers are 1-based, counted in the file.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { CamscopeError, firstLine } from '../errors.js';

export interface TextLine {
  /** `name:line`, for warnings. */
  where: string;
  text: string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text, BOM removed; a CamscopeError naming the file when unreadable or not UTF-8. */
export async function readUtf8(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new CamscopeError(`${file}: cannot read (${firstLine(e)})`);
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new CamscopeError(`${file}: not UTF-8 text (convert it to UTF-8)`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Non-blank lines with trailing whitespace removed; `where` names the file relative to `root`. */
export async function readLines(root: string, file: string): Promise<TextLine[]> {
  const name = displayName(root, file);
  const lines: TextLine[] = [];
  (await readUtf8(file)).split(/\r?\n|\r/).forEach((raw, i) => {
    const text = raw.trimEnd();
    if (text.trim() !== '') lines.push({ where: `${name}:${i + 1}`, text });
  });
  return lines;
}

/** How warnings name a dataset file: its path relative to the root. */
export function displayName(root: string, file: string): string {
  return relative(root, file).split('\\').join('/');
}

/** A finite decimal number, or null. */
export function parseNumber(s: string | undefined): number | null {
  if (s === undefined || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) return null;
  return Number(s);
}

/** A non-negative integer written in decimal, or null. */
export function parseIndex(s: string | undefined): number | null {
  return s !== undefined && /^\s*\d+\s*$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : null;
}
