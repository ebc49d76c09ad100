// The README's methods tables, generated from the registry (src-shared/methods.json): one row per method, and one
// row per variant with what it computes and which library's implementation it is exactly. test/readme/ checks
// that README.md holds what this generates; `node --import tsx scripts/readme/writeReadme.ts` rewrites it.
import { LIBRARIES, type LibraryId, METHOD_REGISTRY, type MethodInfo, passesText } from '../../src-shared/methods.js';

const LIBRARY_ORDER: LibraryId[] = ['pytorch-grad-cam', 'torchcam', 'authors'];

/** 'Zhou et al. 2016, Learning…' → 'Zhou et al. 2016'. */
function authorYear(m: MethodInfo): string {
  return m.citation.split(',')[0]!;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function methodsTable(): string {
  const rows = METHOD_REGISTRY.map((m) => {
    const notes = [m.fusion]
      .filter(Boolean)
      .map((f) => ` (${f})`)
      .join('');
    const runs = passesText(m) + (m.camHead ? '; GAP → linear head' : '');
    const variants = m.variants.length > 1 ? m.variants.map((v) => `\`${v.name}\`${v.default ? ' *' : ''}`).join(', ') : '—';
    return `| \`${m.id}\` | ${cell(`${m.title}, ${authorYear(m)}${notes}`)} | ${runs} | ${variants} |`;
  });
  return ['| id | method | runs per image | variants (* = default) |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Per variant: what it computes and, per library, ✓ where that library computes exactly it. */
export function variantsTable(): string {
  const head = `| method:variant | computes | ${LIBRARY_ORDER.map((l) => LIBRARIES[l]).join(' | ')} |`;
  const rows: string[] = [];
  for (const m of METHOD_REGISTRY) {
    m.variants.forEach((v, i) => {
      const libs = LIBRARY_ORDER.map((l) => {
        const c = m.libraries[l];
        if (c && 'variant' in c) return c.variant === v.name ? `✓${c.note ? ` (${c.note})` : ''}` : '';
        if (i > 0) return '';
        return c ? `differs: ${c.differs}` : l === 'authors' ? 'not compared' : '—';
      });
      const id = i === 0 ? `\`${m.id}\`` : `\`${m.id}:${v.name}\``;
      rows.push(`| ${id}${v.default ? ' *' : ''} | ${cell(v.description)} | ${libs.map(cell).join(' | ')} |`);
    });
  }
  return [head, `| --- | --- | ${LIBRARY_ORDER.map(() => '---').join(' | ')} |`, ...rows].join('\n');
}
