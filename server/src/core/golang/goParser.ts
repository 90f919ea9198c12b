// Go parsing for the source-side rules: tree-sitter-go through web-tree-sitter (both ship .wasm).
//
// The wasm files are found, in order:
//   1. in `opts.wasmDir` when given,
//   2. beside the running bundle (`dist/tree-sitter.wasm`, `dist/tree-sitter-go.wasm`: esbuild copies them there),
//   3. in node_modules (`web-tree-sitter/tree-sitter.wasm`, `tree-sitter-go/tree-sitter-go.wasm`), which is
//      where they are when the sources run directly (tests with tsx).
//
// The tree-sitter tree is converted into plain JS objects (`GoNode`) right after parsing and then freed, so the
// analysis never calls back into wasm and never leaks parser memory.
//
// This module is part of the analysis core: no `vscode` or language-server imports here.

// `import = require` on purpose: bundlers (esbuild builds dist/*.js as CommonJS) then pick web-tree-sitter's
// CommonJS build; its ES module build relies on import.meta.url, which is empty in a CommonJS bundle.
import TreeSitter = require('web-tree-sitter');
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** A syntax node, detached from tree-sitter. Rows are 0-based; columns and indices are UTF-16 code units. */
export interface GoNode {
  id: number;
  type: string;
  named: boolean;
  /** Field name under which this node hangs off its parent (`left`, `body`, `operand`…), or null. */
  field: string | null;
  startIndex: number;
  endIndex: number;
  startRow: number;
  startCol: number;
  endRow: number;
  endCol: number;
  children: GoNode[];
  parent: GoNode | null;
  /** This node or a descendant is an ERROR or MISSING node. */
  hasError: boolean;
}

export interface GoAst {
  text: string;
  root: GoNode;
}

export interface GoParserOptions {
  /** Directory holding tree-sitter.wasm and tree-sitter-go.wasm. */
  wasmDir?: string;
}

const RUNTIME_WASM = 'tree-sitter.wasm';
const GO_WASM = 'tree-sitter-go.wasm';

let initPromise: Promise<void> | null = null;
let parser: TreeSitter.Parser | null = null;
const { Language, Parser } = TreeSitter;

function hereDir(): string | null {
  // CommonJS (the esbuild bundle, and tsx running this package's .ts files) defines __dirname.
  return typeof __dirname === 'string' ? __dirname : null;
}

function resolveFromNodeModules(spec: string): string | null {
  const bases: string[] = [];
  if (typeof __filename === 'string') bases.push(__filename);
  bases.push(path.join(process.cwd(), 'noop.js'));
  for (const base of bases) {
    try {
      const req = createRequire(base);
      const p = req.resolve(spec);
      if (existsSync(p)) return p;
    } catch {
      // try the next base
    }
  }
  return null;
}

/** Where the two wasm files are; exported for diagnostics and tests. */
export function locateGoWasm(opts?: GoParserOptions): { runtime: string; go: string } {
  const find = (file: string, spec: string): string => {
    const dirs: string[] = [];
    if (opts?.wasmDir) dirs.push(opts.wasmDir);
    const here = hereDir();
    if (here) dirs.push(here);
    for (const d of dirs) {
      const p = path.join(d, file);
      if (existsSync(p)) return p;
    }
    const p = resolveFromNodeModules(spec);
    if (p) return p;
    throw new Error(`h2lens: cannot find ${file} (looked in ${dirs.join(', ') || '-'} and node_modules)`);
  };
  return {
    runtime: find(RUNTIME_WASM, 'web-tree-sitter/tree-sitter.wasm'),
    go: find(GO_WASM, 'tree-sitter-go/tree-sitter-go.wasm'),
  };
}

/** Loads the tree-sitter runtime and the Go grammar. Idempotent: later calls reuse the first load. */
export function initGoParser(opts?: GoParserOptions): Promise<void> {
  if (!initPromise) {
    initPromise = (async () => {
      const { runtime, go } = locateGoWasm(opts);
      await Parser.init({
        // the runtime asks for `tree-sitter.wasm`; it is the only wasm file it loads itself
        locateFile: (file: string) => (file.endsWith('.wasm') ? runtime : file),
      });
      const lang = await Language.load(new Uint8Array(readFileSync(go)));
      const p = new Parser();
      p.setLanguage(lang);
      parser = p;
    })().catch((err: unknown) => {
      initPromise = null; // allow a later retry (e.g. with another wasmDir)
      throw err;
    });
  }
  return initPromise;
}

/** Parses Go source into a detached `GoNode` tree. */
export async function parseGo(text: string): Promise<GoAst> {
  await initGoParser();
  if (!parser) throw new Error('h2lens: Go parser not initialised');
  const tree = parser.parse(text);
  if (!tree) throw new Error('h2lens: Go parse failed');
  try {
    return { text, root: detach(tree.walk()) };
  } finally {
    tree.delete();
  }
}

function detach(cursor: TreeSitter.TreeCursor): GoNode {
  let nextId = 0;
  const make = (parent: GoNode | null): GoNode => {
    const type = cursor.nodeType;
    const sp = cursor.startPosition;
    const ep = cursor.endPosition;
    return {
      id: nextId++,
      type,
      named: cursor.nodeIsNamed,
      field: cursor.currentFieldName,
      startIndex: cursor.startIndex,
      endIndex: cursor.endIndex,
      startRow: sp.row,
      startCol: sp.column,
      endRow: ep.row,
      endCol: ep.column,
      children: [],
      parent,
      hasError: type === 'ERROR' || cursor.nodeIsMissing,
    };
  };
  const root = make(null);
  // iterative pre-order walk; `stack` mirrors the cursor's ancestors
  const stack: GoNode[] = [root];
  try {
    for (;;) {
      if (cursor.gotoFirstChild()) {
        const parent = stack[stack.length - 1]!;
        const n = make(parent);
        parent.children.push(n);
        stack.push(n);
        continue;
      }
      // no children: go to the next sibling, climbing as needed
      for (;;) {
        const done = stack.pop()!;
        if (stack.length > 0 && done.hasError) stack[stack.length - 1]!.hasError = true;
        if (stack.length === 0) return root;
        if (cursor.gotoNextSibling()) {
          const parent = stack[stack.length - 1]!;
          const n = make(parent);
          parent.children.push(n);
          stack.push(n);
          break;
        }
        cursor.gotoParent();
      }
    }
  } finally {
    cursor.delete();
  }
}

// ---- small tree helpers shared by the Go rules ----

export function nodeText(ast: GoAst | string, n: GoNode): string {
  const text = typeof ast === 'string' ? ast : ast.text;
  return text.slice(n.startIndex, n.endIndex);
}

export function child(n: GoNode, field: string): GoNode | null {
  for (const c of n.children) if (c.field === field) return c;
  return null;
}

export function childrenByField(n: GoNode, field: string): GoNode[] {
  return n.children.filter((c) => c.field === field);
}

export function namedChildren(n: GoNode): GoNode[] {
  return n.children.filter((c) => c.named && c.type !== 'comment');
}

export function firstOfType(n: GoNode, type: string): GoNode | null {
  for (const c of n.children) if (c.type === type) return c;
  return null;
}

/** Pre-order walk; `visit` returns false to skip a node's children. */
export function walk(n: GoNode, visit: (n: GoNode) => boolean | void): void {
  const stack: GoNode[] = [n];
  while (stack.length) {
    const cur = stack.pop()!;
    if (visit(cur) === false) continue;
    for (let i = cur.children.length - 1; i >= 0; i--) stack.push(cur.children[i]!);
  }
}

export function contains(outer: GoNode, inner: GoNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** Strips parentheses: `((x))` → `x`. */
export function unparen(n: GoNode): GoNode {
  let cur = n;
  while (cur.type === 'parenthesized_expression') {
    const inner = namedChildren(cur)[0];
    if (!inner) break;
    cur = inner;
  }
  return cur;
}
