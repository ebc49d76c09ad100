// A small XML reader for annotation files (Pascal VOC / ILSVRC): elements, text and line numbers;
// attributes, namespaces and DTDs are not needed there and are ignored. Throws on malformed input.
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
  /** 1-based line of the start tag. */
  line: number;
}

const TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)(?:\s[^<>]*?)?(\/?)>|([^<]+)/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}

export function parseXml(text: string): XmlElement {
  const top: XmlElement = { name: '', children: [], text: '', line: 1 };
  const stack = [top];
  let line = 1;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`unexpected '<' at line ${line}`);
    const current = stack[stack.length - 1]!;
    const [token, cdata, closing, name, selfClosing, chars] = m;
    if (chars !== undefined) current.text += decodeEntities(chars);
    else if (cdata !== undefined) current.text += cdata;
    else if (name !== undefined && closing) {
      if (current.name !== name) throw new Error(`</${name}> at line ${line} closes <${current.name || '(none)'}>`);
      stack.pop();
    } else if (name !== undefined) {
      const el: XmlElement = { name, children: [], text: '', line };
      current.children.push(el);
      if (!selfClosing) stack.push(el);
    }
    for (let i = at; i < at + token.length; i++) if (text.charCodeAt(i) === 10) line++;
  }
  if (stack.length > 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  const roots = top.children;
  if (roots.length !== 1) throw new Error(roots.length ? 'more than one root element' : 'no root element');
  return roots[0]!;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
}
