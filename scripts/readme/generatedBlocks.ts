// README.md's generated blocks: text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.

/** Replaces each named block's body; throws when a block is missing. */
export function fillBlocks(readme: string, blocks: Record<string, string>): string {
  let out = readme;
  for (const [name, body] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[^]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no generated:${name} block`);
    out = out.replace(re, (_, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}

/** The body of one generated block. */
export function blockBody(readme: string, name: string): string | null {
  const m = new RegExp(`<!-- generated:${name} -->\\n([^]*?)\\n<!-- /generated:${name} -->`).exec(readme);
  return m ? m[1]! : null;
}
