// Quick-fix for `undrained-body`: drain the response body before it is closed.
//
//   defer resp.Body.Close()        →   defer func() {
//                                          _, _ = io.Copy(io.Discard, resp.Body)
//                                          resp.Body.Close()
//                                      }()
//
//   resp.Body.Close()              →   _, _ = io.Copy(io.Discard, resp.Body)
//   (also `err := resp.Body.Close()`,   resp.Body.Close()
//    `_ = resp.Body.Close()`, …)
//
// plus the "io" import when it is missing (into the std group of an import block, in gofmt order; a single
// `import "x"` becomes a block; a file without imports gets `import "io"` after the package clause). When `io`
// is shadowed at a fix site (a local or top-level name `io`, or another package imported as `io`) the std io
// package is imported under a fresh name (`stdio`). The output is gofmt-clean for gofmt-clean input, and the
// fixed code is no longer flagged, so applying the fix twice changes nothing the second time.
//
// Part of the analysis core: no `vscode` or language-server imports here.

import { type GoAst, type GoNode, child, childrenByField, firstOfType, nodeText, parseGo, walk } from './goParser.ts';
import { type GoFinding, type GoTextEdit, type UndrainedDetail, defaultImportName, findUndrained, importPath } from './undrainedBody.ts';

/**
 * Edits that drain the bodies of the given findings (all findings of `text` when omitted) before they are
 * closed: one consistent, non-overlapping edit set, the import added once. Findings that do not match the
 * current text (stale ranges) are ignored.
 */
export async function drainEdits(text: string, findings?: GoFinding[]): Promise<GoTextEdit[]> {
  const ast = await parseGo(text);
  let details = findUndrained(ast);
  if (findings) {
    details = details.filter((d) =>
      findings.some(
        (f) =>
          f.line === d.finding.line &&
          f.startChar === d.finding.startChar &&
          f.endLine === d.finding.endLine &&
          f.endChar === d.finding.endChar &&
          (!f.bodyExpr || f.bodyExpr === d.finding.bodyExpr),
      ),
    );
  }
  return drainEditsFor(ast, details);
}

/** The drain edits for findings of an already parsed file. */
export function drainEditsFor(ast: GoAst, details: UndrainedDetail[]): GoTextEdit[] {
  if (details.length === 0) return [];
  const text = ast.text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n');
  const indentOf = (row: number): string => {
    const l = lines[row] ?? '';
    let i = 0;
    while (i < l.length && (l[i] === ' ' || l[i] === '\t')) i++;
    return l.slice(0, i);
  };

  const scopes = details.map((d) => topLevelDeclOf(d.closeCall));
  const io = chooseIoName(ast, scopes);

  const edits: GoTextEdit[] = [];
  const done = new Set<number>();
  for (const d of details) {
    const body = nodeText(ast, d.bodySel);
    const drain = `_, _ = ${io.name}.Copy(${io.name}.Discard, ${body})`;
    if (d.deferStmt) {
      if (done.has(d.deferStmt.id)) continue;
      done.add(d.deferStmt.id);
      const s = d.deferStmt;
      const ind = indentOf(s.startRow);
      const closeText = nodeText(ast, d.closeCall);
      edits.push({
        startLine: s.startRow,
        startChar: s.startCol,
        endLine: s.endRow,
        endChar: s.endCol,
        newText: `defer func() {${eol}${ind}\t${drain}${eol}${ind}\t${closeText}${eol}${ind}}()`,
      });
      continue;
    }
    const stmt = statementToInsertBefore(d.closeCall);
    if (!stmt || done.has(stmt.id)) continue;
    done.add(stmt.id);
    const ind = indentOf(stmt.startRow);
    edits.push({ startLine: stmt.startRow, startChar: stmt.startCol, endLine: stmt.startRow, endChar: stmt.startCol, newText: `${drain}${eol}${ind}` });
  }
  if (edits.length === 0) return [];
  if (io.importName !== null) {
    const e = importEdit(ast, io.importName, lines, eol);
    if (e) edits.push(e);
  }
  edits.sort((a, b) => a.startLine - b.startLine || a.startChar - b.startChar);
  return edits;
}

/** Applies non-overlapping edits (positions refer to the original text). */
export function applyEdits(text: string, edits: GoTextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const off = (line: number, ch: number): number => {
    if (line >= starts.length) return text.length;
    const lineEnd = line + 1 < starts.length ? starts[line + 1]! - 1 : text.length;
    return Math.min(starts[line]! + ch, lineEnd);
  };
  const spans = edits
    .map((e, i) => ({ s: off(e.startLine, e.startChar), e: off(e.endLine, e.endChar), t: e.newText, i }))
    .sort((a, b) => a.s - b.s || a.i - b.i);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k]!.s < spans[k - 1]!.e) throw new Error('applyEdits: overlapping edits');
  }
  let out = '';
  let pos = 0;
  for (const sp of spans) {
    out += text.slice(pos, sp.s) + sp.t;
    pos = Math.max(pos, sp.e);
  }
  return out + text.slice(pos);
}

// ---------------------------------------------------------------------------------------------------------------

/** The statement (in a statement list) the drain goes in front of; null when that would change the meaning. */
function statementToInsertBefore(call: GoNode): GoNode | null {
  let cur = call;
  while (cur.parent && cur.parent.type !== 'statement_list') {
    const p = cur.parent;
    if (cur.field === 'alternative') return null; // `else if x := …Close()`: no place before it
    if (
      p.type === 'func_literal' ||
      p.type === 'for_statement' ||
      p.type === 'for_clause' ||
      p.type === 'expression_case' ||
      p.type === 'type_case' ||
      p.type === 'communication_case' ||
      p.type === 'go_statement' ||
      p.type === 'defer_statement'
    ) {
      return null;
    }
    cur = p;
  }
  return cur.parent ? cur : null;
}

function topLevelDeclOf(n: GoNode): GoNode {
  let cur = n;
  while (cur.parent && cur.parent.type !== 'source_file') cur = cur.parent;
  return cur;
}

interface ImportSpecInfo {
  spec: GoNode;
  path: string;
  /** explicit name ('_', '.', 'x') or '' */
  name: string;
}

function importDecls(ast: GoAst): GoNode[] {
  return ast.root.children.filter((c) => c.type === 'import_declaration');
}

function specsOf(ast: GoAst, decl: GoNode): ImportSpecInfo[] {
  const list = firstOfType(decl, 'import_spec_list') ?? decl;
  const out: ImportSpecInfo[] = [];
  for (const spec of list.children) {
    if (spec.type !== 'import_spec') continue;
    const path = importPath(ast, spec);
    if (path === null) continue;
    const nm = child(spec, 'name');
    out.push({ spec, path, name: nm ? nodeText(ast, nm) : '' });
  }
  return out;
}

/** Which name to call io by at the fix sites, and whether (and under which name) to import it. */
function chooseIoName(ast: GoAst, scopes: GoNode[]): { name: string; importName: string | null } {
  const specs = importDecls(ast).flatMap((d) => specsOf(ast, d));
  const topNames = topLevelNames(ast);
  const localName = (s: ImportSpecInfo) => (s.name ? s.name : defaultImportName(s.path));
  const usedByOtherImport = (n: string) => specs.some((s) => s.path !== 'io' && localName(s) === n);
  const declaredLocally = (n: string) => scopes.some((sc) => declares(ast, sc, n));
  const free = (n: string) => !topNames.has(n) && !usedByOtherImport(n) && !declaredLocally(n);
  for (const s of specs) {
    if (s.path !== 'io' || s.name === '_' || s.name === '.') continue;
    const n = localName(s);
    if (free(n)) return { name: n, importName: null };
  }
  const taken = new Set(specs.map(localName));
  for (const cand of ['io', 'stdio', 'stdio2', 'stdio3', 'goio', 'iopkg']) {
    if (free(cand) && !taken.has(cand)) return { name: cand, importName: cand === 'io' ? '' : cand };
  }
  return { name: 'stdio_', importName: 'stdio_' };
}

function topLevelNames(ast: GoAst): Set<string> {
  const out = new Set<string>();
  for (const d of ast.root.children) {
    if (d.type === 'function_declaration') {
      const n = child(d, 'name');
      if (n) out.add(nodeText(ast, n));
    } else if (d.type === 'var_declaration' || d.type === 'const_declaration' || d.type === 'type_declaration') {
      walk(d, (n) => {
        if (n.type === 'var_spec' || n.type === 'const_spec' || n.type === 'type_spec' || n.type === 'type_alias') {
          for (const nm of childrenByField(n, 'name')) out.add(nodeText(ast, nm));
          return false;
        }
        return true;
      });
    }
  }
  return out;
}

/** Does `scope` declare `name` anywhere (params, results, receivers, :=, var, const, type, range)? */
function declares(ast: GoAst, scope: GoNode, name: string): boolean {
  let found = false;
  walk(scope, (n) => {
    if (found) return false;
    if ((n.type === 'identifier' || n.type === 'type_identifier') && nodeText(ast, n) === name) {
      const p = n.parent;
      if (!p) return true;
      if (p.type === 'expression_list' && (p.field === 'left' || p.field === 'alias')) found = true;
      else if (
        n.field === 'name' &&
        ['var_spec', 'const_spec', 'parameter_declaration', 'variadic_parameter_declaration', 'type_spec', 'type_alias'].includes(p.type)
      ) {
        found = true;
      }
    }
    return !found;
  });
  return found;
}

const isStdPath = (p: string): boolean => !(p.split('/')[0] ?? '').includes('.');

const specLess = (a: { path: string; name: string }, b: { path: string; name: string }): boolean =>
  a.path < b.path || (a.path === b.path && a.name < b.name);

/** The edit that imports "io" (as `name` when not empty), in gofmt layout. */
function importEdit(ast: GoAst, name: string, lines: string[], eol: string): GoTextEdit | null {
  const specText = name ? `${name} "io"` : '"io"';
  const mine = { path: 'io', name };
  const at = (row: number, t: string): GoTextEdit => {
    if (row >= lines.length) {
      // past the last line (no final newline): append
      const last = lines.length - 1;
      const col = (lines[last] ?? '').length;
      return { startLine: last, startChar: col, endLine: last, endChar: col, newText: eol + t };
    }
    return { startLine: row, startChar: 0, endLine: row, endChar: 0, newText: t };
  };
  const decls = importDecls(ast);
  const hasC = (d: GoNode) => specsOf(ast, d).some((s) => s.path === 'C');

  // 1. an import block
  const block = decls.find((d) => firstOfType(d, 'import_spec_list') && !hasC(d));
  if (block) {
    const list = firstOfType(block, 'import_spec_list')!;
    const lp = list.children.find((c) => c.type === '(');
    const rp = list.children.find((c) => c.type === ')');
    const specs = specsOf(ast, block);
    if (!lp || !rp) return null;
    const oneLine = specs.some((s) => s.spec.startRow === lp.startRow || s.spec.endRow === rp.startRow) || lp.startRow === rp.startRow;
    if (oneLine) {
      // `import ("a"; "b")` or `import ()`: rewrite the block (gofmt would do the same)
      const all = [...specs.map((s) => ({ path: s.path, name: s.name, text: nodeText(ast, s.spec) })), { ...mine, text: specText }];
      all.sort((a, b) => (specLess(a, b) ? -1 : specLess(b, a) ? 1 : 0));
      return {
        startLine: list.startRow,
        startChar: list.startCol,
        endLine: list.endRow,
        endChar: list.endCol,
        newText: `(${eol}${all.map((s) => `\t${s.text}${eol}`).join('')})`,
      };
    }
    // runs of specs separated by blank lines are sorted independently by gofmt
    const blankBetween = (fromRow: number, toRow: number) => {
      for (let r = fromRow + 1; r < toRow; r++) if ((lines[r] ?? '').trim() === '') return true;
      return false;
    };
    const runs: ImportSpecInfo[][] = [];
    for (const s of specs) {
      const prevRun = runs[runs.length - 1];
      const prev = prevRun?.[prevRun.length - 1];
      if (!prevRun || !prev || blankBetween(prev.spec.endRow, s.spec.startRow)) runs.push([s]);
      else prevRun.push(s);
    }
    const run = runs.find((r) => r.some((s) => isStdPath(s.path)));
    if (!run) return at(lp.startRow + 1, `\t${specText}${eol}${eol}`);
    const next = run.find((s) => specLess(mine, s));
    if (next) {
      // keep the comment lines that belong to `next` above it
      let row = next.spec.startRow;
      const idx = specs.indexOf(next);
      const prevEnd = idx > 0 ? specs[idx - 1]!.spec.endRow : lp.startRow;
      for (;;) {
        const above = row - 1;
        if (above <= prevEnd) break;
        const c = list.children.find((x) => x.type === 'comment' && x.endRow === above && x.startRow <= above);
        if (!c) break;
        row = c.startRow;
      }
      const line = lines[next.spec.startRow] ?? '';
      const ind = line.slice(0, line.length - line.trimStart().length) || '\t';
      return at(row, `${ind}${specText}${eol}`);
    }
    const last = run[run.length - 1]!;
    const line = lines[last.spec.startRow] ?? '';
    const ind = line.slice(0, line.length - line.trimStart().length) || '\t';
    return at(last.spec.endRow + 1, `${ind}${specText}${eol}`);
  }

  // 2. a single `import "x"`: make it a block
  const singles = decls.filter((d) => !firstOfType(d, 'import_spec_list'));
  if (decls.length === 1 && singles.length === 1 && !hasC(singles[0]!)) {
    const d = singles[0]!;
    const spec = specsOf(ast, d)[0];
    if (spec) {
      const both = [
        { path: spec.path, name: spec.name, text: nodeText(ast, spec.spec) },
        { ...mine, text: specText },
      ].sort((a, b) => (specLess(a, b) ? -1 : 1));
      return {
        startLine: d.startRow,
        startChar: d.startCol,
        endLine: d.endRow,
        endChar: d.endCol,
        newText: `import (${eol}${both.map((s) => `\t${s.text}${eol}`).join('')})`,
      };
    }
  }

  // 3. several single imports (or only `import "C"`): one more declaration after the last
  if (decls.length > 0) {
    const last = decls[decls.length - 1]!;
    return at(last.endRow + 1, `import ${specText}${eol}`);
  }

  // 4. no imports: after the package clause
  const pkg = ast.root.children.find((c) => c.type === 'package_clause');
  if (!pkg) return null;
  return at(pkg.endRow + 1, `${eol}import ${specText}${eol}`);
}
