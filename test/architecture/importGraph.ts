// The import graph of src-main, src-shared and src-renderer, read with the TypeScript parser (static and
// type-only imports, re-exports, dynamic import(), import('x').T types, require()), and the layer rules of
// layers.json checked on it. Pure functions of (files, rules) so a test can hand them a synthetic bad graph.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, repository-relative with '/' separators. */
  from: string;
  /** The imported file (repository-relative) for a relative specifier, else the package specifier as written. */
  to: string;
  /** True for a relative import resolved to a file of the tree. */
  local: boolean;
  /** `import type`, `export type … from` or an `import('x').T` type: erased at run time. */
  typeOnly: boolean;
}

export interface ImportSpecifier {
  spec: string;
  typeOnly: boolean;
}

export interface Tree {
  name: string;
  /** Folders of the tree from the bottom layer up; a file directly in the tree belongs to the folder named after it without extension (src-main/errors.ts → errors) or to `rootFolder`. */
  ranks: string[];
  /** The folder of files at the tree's top level when they are not folders of their own (the renderer's App.svelte, main.ts). */
  rootFolder?: string;
  /** Other trees this one may import. */
  mayImport: string[];
  /** Packages the tree may import; '*' for any package that is not a node builtin unless `nodeBuiltins`. */
  packages: string[];
  nodeBuiltins: boolean;
}

export interface Layers {
  trees: Tree[];
  /** Packages only these path prefixes may import at run time (electron only in the Electron main process); type-only imports are free. */
  packageOwners: Record<string, string[]>;
  /** Edges "from -> to" (files) that break a rule and are on their way out; every entry must still exist. */
  knownViolations: { edge: string; why: string }[];
}

const SOURCE = /\.(ts|svelte)$/;
/** Data and assets a module may import as such (package.json for the version, JSON tables, the stylesheet). */
const DATA = /\.(json|css)$/;

/** Every .ts and .svelte file under the trees' roots (sorted, repository-relative). */
export function listSources(repo: string, roots: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(relative(repo, p).split(sep).join('/'));
    }
  };
  for (const r of roots) if (existsSync(join(repo, r))) walk(join(repo, r));
  return out;
}

/** The module specifiers a file imports, by the TypeScript parser; a .svelte file's <script> blocks are parsed as TypeScript. */
export function importSpecifiers(path: string, text: string): ImportSpecifier[] {
  const code = path.endsWith('.svelte') ? svelteScripts(text) : text;
  const source = ts.createSourceFile(path, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specs: ImportSpecifier[] = [];
  const literal = (n: ts.Node | undefined, typeOnly: boolean): void => {
    if (n && ts.isStringLiteralLike(n)) specs.push({ spec: n.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) literal(node.moduleSpecifier, importsOnlyTypes(node));
    else if (ts.isExportDeclaration(node)) literal(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      literal(node.moduleReference.expression, node.isTypeOnly);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    )
      literal(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

/** `import type {…}`, or `import {type A, type B}` whose every name is a type (no side-effect import). */
function importsOnlyTypes(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function svelteScripts(text: string): string {
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n;\n');
}

/** Resolves a relative specifier the way the tree writes them (./x.js → x.ts, ./x.svelte, ./x.svelte.js → x.svelte.ts, ./dir → dir/index.ts). */
export function resolveRelative(from: string, spec: string, exists: (p: string) => boolean): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  const stem = base.replace(/\.(js|ts|mjs)$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}/index.ts`]) if (SOURCE.test(candidate) && exists(candidate)) return candidate;
  return DATA.test(base) && exists(base) ? base : undefined;
}

/** The edges of the tree on disk; an unresolvable relative import throws (it would hide an edge). */
export function readGraph(repo: string, roots: string[]): { files: string[]; edges: ImportEdge[] } {
  const files = listSources(repo, roots);
  const known = new Set(files);
  const exists = (p: string): boolean => known.has(p) || existsSync(join(repo, p));
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const { spec, typeOnly } of importSpecifiers(from, readFileSync(join(repo, from), 'utf8'))) {
      if (spec.startsWith('.')) {
        const to = resolveRelative(from, spec, exists);
        if (!to) throw new Error(`${from}: cannot resolve import '${spec}'`);
        edges.push({ from, to, local: true, typeOnly });
      } else edges.push({ from, to: spec, local: false, typeOnly });
    }
  }
  return { files, edges };
}

/** The tree and folder of a repository-relative file, or undefined outside every tree. */
export function folderOf(file: string, layers: Layers): { tree: Tree; folder: string } | undefined {
  const tree = layers.trees.find((t) => file.startsWith(`${t.name}/`));
  if (!tree) return undefined;
  const rest = file.slice(tree.name.length + 1);
  const slash = rest.indexOf('/');
  if (slash >= 0) return { tree, folder: rest.slice(0, slash) };
  const own = rest.replace(/\.(svelte\.ts|ts|svelte)$/, '');
  return { tree, folder: tree.ranks.includes(own) || !tree.rootFolder ? own : tree.rootFolder };
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const packageName = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** Strongly connected components with more than one member (Tarjan), each sorted. */
export function cycles(nodes: string[], next: (n: string) => string[]): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next(v)) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) strong(n);
  return out;
}

/** Every broken rule, one line each; edges listed in knownViolations are exempt, and an entry that no longer matches an edge is itself reported. */
export function checkLayers(files: string[], edges: ImportEdge[], layers: Layers): string[] {
  const problems: string[] = [];
  const allowed = new Set(layers.knownViolations.map((v) => v.edge));
  const used = new Set<string>();
  const report = (e: ImportEdge, why: string): void => {
    const key = `${e.from} -> ${e.to}`;
    if (allowed.has(key)) used.add(key);
    else problems.push(`${key}: ${why}`);
  };
  for (const tree of layers.trees) {
    for (const f of files) {
      const at = folderOf(f, layers);
      if (at?.tree === tree && !tree.ranks.includes(at.folder)) problems.push(`${f}: folder '${at.folder}' has no rank in ${tree.name}`);
    }
  }
  for (const e of edges) {
    const from = folderOf(e.from, layers);
    if (!from) continue;
    if (!e.local) {
      const pkg = packageName(e.to);
      const owners = layers.packageOwners[pkg];
      if (builtins.has(e.to) || builtins.has(pkg)) {
        if (!from.tree.nodeBuiltins) report(e, `${from.tree.name} may not import node builtins`);
      } else if (!from.tree.packages.includes('*') && !from.tree.packages.includes(pkg))
        report(e, `${from.tree.name} may not import package '${pkg}'`);
      else if (owners && !e.typeOnly && !owners.some((o) => e.from.startsWith(o))) report(e, `only ${owners.join(', ')} may import '${pkg}'`);
      continue;
    }
    const to = folderOf(e.to, layers);
    if (!to) {
      if (!DATA.test(e.to)) report(e, `imports source outside the trees`);
      continue;
    }
    if (to.tree !== from.tree) {
      if (!from.tree.mayImport.includes(to.tree.name)) report(e, `${from.tree.name} may not import ${to.tree.name}`);
      continue;
    }
    const a = from.tree.ranks.indexOf(from.folder);
    const b = from.tree.ranks.indexOf(to.folder);
    if (a >= 0 && b > a) report(e, `upward import: ${from.folder} (rank ${a}) imports ${to.folder} (rank ${b})`);
  }
  // Cycles over every edge inside the trees but the listed ones (an upward edge closing a cycle is reported twice: both are true).
  const cycleEdges = edges.filter((e) => e.local && folderOf(e.from, layers) && folderOf(e.to, layers) && !allowed.has(`${e.from} -> ${e.to}`));
  const fileNext = new Map<string, string[]>();
  for (const e of cycleEdges) fileNext.set(e.from, [...(fileNext.get(e.from) ?? []), e.to]);
  for (const c of cycles(files, (n) => fileNext.get(n) ?? [])) problems.push(`file cycle: ${c.join(' ↔ ')}`);
  const folderKey = (f: string): string => {
    const at = folderOf(f, layers)!;
    return `${at.tree.name}/${at.folder}`;
  };
  const folderNext = new Map<string, Set<string>>();
  for (const e of cycleEdges) {
    if (!folderOf(e.to, layers)) continue;
    const [a, b] = [folderKey(e.from), folderKey(e.to)];
    if (a !== b) folderNext.set(a, (folderNext.get(a) ?? new Set()).add(b));
  }
  const folders = [...new Set(files.filter((f) => folderOf(f, layers)).map(folderKey))];
  for (const c of cycles(folders, (n) => [...(folderNext.get(n) ?? [])])) problems.push(`folder cycle: ${c.join(' ↔ ')}`);
  for (const v of layers.knownViolations)
    if (!used.has(v.edge)) problems.push(`knownViolations lists '${v.edge}', which is no longer a violation: remove it`);
  return problems;
}
