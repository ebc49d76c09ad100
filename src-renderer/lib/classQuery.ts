// Parsing what a user types into a class field: an index, "name (index)", or a known class name.

/** The class index meant by text, or null for empty text; undefined when it names nothing known. */
export function parseClass(text: string, labels: ReadonlyMap<number, string>): number | null | undefined {
  const t = text.trim();
  if (!t) return null;
  if (/^\d+$/.test(t)) return Number(t);
  const tagged = /\((\d+)\)\s*$/.exec(t);
  if (tagged) return Number(tagged[1]);
  const lower = t.toLowerCase();
  const matches = [...labels].filter(([, name]) => name.toLowerCase() === lower);
  if (matches.length === 1) return matches[0]![0];
  const prefixed = [...labels].filter(([, name]) => name.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0]![0] : undefined;
}

/** How a class shows in the field: "tabby cat (281)", or the bare index when its name is unknown. */
export function formatClass(index: number | null, labels: ReadonlyMap<number, string>): string {
  if (index == null) return '';
  const name = labels.get(index);
  return name ? `${name} (${index})` : String(index);
}
