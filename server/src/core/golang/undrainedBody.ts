// Rule `undrained-body` (Go source): an HTTP response body that is closed before it was read to EOF.
//
// Go's HTTP/2 transport answers `resp.Body.Close()` on a body that has not hit EOF with RST_STREAM(CANCEL)
// (and, since Go 1.24, a PING); edges that count these answer GOAWAY ENHANCE_YOUR_CALM. The classic source is
// `json.NewDecoder(resp.Body).Decode(&v)` followed by `resp.Body.Close()`: Decode stops after one value and
// never reads the EOF.
//
// How the analysis works (syntax tree only, no regular expressions over the source):
//   1. For every function (declaration, method, func literal) find the response variables: names assigned
//      from http.Get/Head/Post/PostForm, from Do/Get/Head/Post/PostForm on an *http.Client value, from
//      RoundTrip, or from a function of this file whose first result is *http.Response; and parameters typed
//      *http.Response.
//   2. Turn every use of such a variable `v` (and of readers wrapping `v.Body`: bufio, json/xml decoders,
//      scanners, LimitReader…) into an event: a full read (io.Copy, io.ReadAll, a scan/read loop to EOF…),
//      a partial read (Decode, io.ReadFull, a bounded reader…), an unknown use (passed to a function we do not
//      know, returned, stored: it might be drained elsewhere, so we stay silent), a close, an assignment.
//   3. Run the events along the function's structured control flow (if/switch/select/for/return/defer,
//      break/continue with labels) with a set of path states, so that every path is judged on its own. A
//      `defer` is judged at each function exit with the state of that path; `if err != nil` right after the
//      call marks the response as nil in that branch (nothing to drain there). Calls that end the process
//      or the goroutine (log.Fatal, os.Exit, panic, t.Fatal…) end the path without a verdict.
//   4. A close is reported when on some path it runs while the body is unread or only partly read, and no
//      unknown use happened before it on that path.
//
// Part of the analysis core: no `vscode` or language-server imports here.

import {
  type GoAst,
  type GoNode,
  child,
  childrenByField,
  contains,
  firstOfType,
  namedChildren,
  nodeText,
  parseGo,
  unparen,
  walk,
} from './goParser.ts';
import { formatNumber } from '../numberText.ts';
import { lowerBoundBy } from '../lowerBound.ts';

/** A text edit; 0-based lines, `char` is a UTF-16 code unit column (LSP convention). */
export interface GoTextEdit {
  startLine: number;
  startChar: number;
  endLine: number;
  endChar: number;
  newText: string;
}

export interface GoFinding {
  rule: 'undrained-body';
  /** Range of the Close call expression, or of the whole `defer …` statement for a deferred close. */
  line: number;
  startChar: number;
  endLine: number;
  endChar: number;
  message: string;
  /** The receiver as written, e.g. "resp.Body". */
  bodyExpr: string;
  /** 'defer' for `defer v.Body.Close()`; 'plain' for a Close statement/expression (also inside a deferred func literal). */
  closeKind: 'defer' | 'plain';
  reason: 'never-read' | 'partial-read';
}

/**
 * A response variable whose paths were too many to follow (see PathBudget): nothing is reported for it,
 * and this says so, so that silence is not read as "drained".
 */
export interface GoUnanalysed {
  /** Range of the variable's first assignment target (or parameter name). */
  line: number;
  startChar: number;
  endLine: number;
  endChar: number;
  variable: string;
  message: string;
}

/** A finding plus the syntax nodes the quick-fix needs (valid for the `GoAst` it came from). */
export interface UndrainedDetail {
  finding: GoFinding;
  /** The `v.Body.Close()` call expression. */
  closeCall: GoNode;
  /** The `defer v.Body.Close()` statement, for closeKind 'defer'. */
  deferStmt: GoNode | null;
  /** The `v.Body` selector. */
  bodySel: GoNode;
}

export const UNDRAINED_BODY_RULE = 'undrained-body' as const;

/** Analyses Go source text; findings sorted by position. */
export async function analyzeGoSource(text: string): Promise<GoFinding[]> {
  const ast = await parseGo(text);
  return findUndrained(ast).map((d) => d.finding);
}

/** analyzeGoSource, and the response variables it could not follow to the end. */
export async function analyzeGoSourceFully(text: string): Promise<{ findings: GoFinding[]; unanalysed: GoUnanalysed[] }> {
  const ast = await parseGo(text);
  const unanalysed: GoUnanalysed[] = [];
  const findings = findUndrained(ast, unanalysed).map((d) => d.finding);
  return { findings, unanalysed };
}

/**
 * Same as analyzeGoSource on an already parsed tree, with the nodes the fix needs. The variables whose
 * analysis stopped at the path budget are added to `unanalysed` when given.
 */
export function findUndrained(ast: GoAst, unanalysed?: GoUnanalysed[]): UndrainedDetail[] {
  const file = new FileInfo(ast);
  const reports = new Map<number, SiteReport>();
  const drainedSites = new Set<number>(); // close sites reached with a drained body on some path
  walk(ast.root, (n) => {
    if (n.type === 'function_declaration' || n.type === 'method_declaration' || n.type === 'func_literal') {
      const body = child(n, 'body');
      if (body && !body.hasError) analyzeFunction(file, n, body, reports, drainedSites, unanalysed);
    }
  });
  const out: UndrainedDetail[] = [];
  for (const r of reports.values()) out.push(toDetail(file, r, drainedSites.has(r.call.id)));
  out.sort((a, b) => a.finding.line - b.finding.line || a.finding.startChar - b.finding.startChar);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// File-level facts: imports, *http.Client names, functions returning *http.Response

const T_NET_HTTP = 'net/http';

class FileInfo {
  /** local package name → import path (blank and dot imports left out) */
  readonly pkgByName = new Map<string, string>();
  /** identifiers and field names declared or initialised as http.Client / *http.Client */
  readonly clientNames = new Set<string>();
  /** functions and methods of this file whose first result is *http.Response */
  readonly respFuncs = new Set<string>();

  constructor(readonly ast: GoAst) {
    for (const decl of ast.root.children) {
      if (decl.type !== 'import_declaration') continue;
      for (const spec of importSpecs(decl)) {
        const p = importPath(ast, spec);
        if (p === null) continue;
        const nameNode = child(spec, 'name');
        if (nameNode && (nameNode.type === 'blank_identifier' || nameNode.type === 'dot')) continue;
        const local = nameNode ? this.text(nameNode) : defaultImportName(p);
        this.pkgByName.set(local, p);
      }
    }
    walk(ast.root, (n) => {
      switch (n.type) {
        case 'function_declaration':
        case 'method_declaration': {
          const name = child(n, 'name');
          const result = child(n, 'result');
          if (name && result && this.isResponsePtr(firstResultType(result))) this.respFuncs.add(this.text(name));
          break;
        }
        case 'parameter_declaration':
        case 'field_declaration':
        case 'var_spec': {
          if (this.isClientType(child(n, 'type'))) {
            for (const nm of childrenByField(n, 'name')) this.clientNames.add(this.text(nm));
          }
          break;
        }
      }
      const asg = assignmentOf(n);
      if (asg && asg.rhs && asg.rhs.length === asg.lhs.length) {
        asg.lhs.forEach((l, i) => {
          if (!this.isClientExpr(asg.rhs![i]!)) return;
          const name = lastName(this, l);
          if (name) this.clientNames.add(name);
        });
      }
    });
  }

  text(n: GoNode): string {
    return nodeText(this.ast, n);
  }

  /** `pkg.Member` where `pkg` is an imported package: its path and member name. */
  qualified(n: GoNode | null): { path: string; member: string } | null {
    if (!n) return null;
    const e = unparen(n);
    if (e.type !== 'selector_expression') return null;
    const op = child(e, 'operand');
    const f = child(e, 'field');
    if (!op || !f || op.type !== 'identifier') return null;
    const p = this.pkgByName.get(this.text(op));
    return p === undefined ? null : { path: p, member: this.text(f) };
  }

  isQ(n: GoNode | null, path: string, ...members: string[]): boolean {
    const q = this.qualified(n);
    return !!q && q.path === path && members.includes(q.member);
  }

  /** `http.X` as a type (qualified_type) or as an expression. */
  private isHttpType(t: GoNode | null, name: string): boolean {
    if (!t) return false;
    if (t.type === 'qualified_type') {
      const pkg = child(t, 'package');
      const nm = child(t, 'name');
      return !!pkg && !!nm && this.pkgByName.get(this.text(pkg)) === T_NET_HTTP && this.text(nm) === name;
    }
    return this.isQ(t, T_NET_HTTP, name);
  }

  isClientType(t: GoNode | null): boolean {
    if (!t) return false;
    if (t.type === 'pointer_type') return this.isHttpType(namedChildren(t)[0] ?? null, 'Client');
    return this.isHttpType(t, 'Client');
  }

  isResponsePtr(t: GoNode | null): boolean {
    return !!t && t.type === 'pointer_type' && this.isHttpType(namedChildren(t)[0] ?? null, 'Response');
  }

  /** `&http.Client{…}`, `http.Client{…}`, `new(http.Client)`, `http.DefaultClient`. */
  isClientExpr(e0: GoNode): boolean {
    const e = unparen(e0);
    if (e.type === 'unary_expression') {
      const op = child(e, 'operand');
      return !!op && this.isClientExpr(op);
    }
    if (e.type === 'composite_literal') return this.isClientType(child(e, 'type'));
    if (e.type === 'call_expression') {
      const fn = child(e, 'function');
      const args = child(e, 'arguments');
      if (fn && fn.type === 'identifier' && this.text(fn) === 'new' && args) {
        const a = namedChildren(args)[0];
        return !!a && (this.isClientType(a) || this.isQ(a, T_NET_HTTP, 'Client'));
      }
      return false;
    }
    return this.isQ(e, T_NET_HTTP, 'DefaultClient');
  }

  /** Does this call produce a fresh *http.Response? 'head' for HEAD requests (their body is always empty). */
  responseCall(e0: GoNode): 'response' | 'head' | null {
    const e = unparen(e0);
    if (e.type !== 'call_expression') return null;
    const fn = child(e, 'function');
    if (!fn) return null;
    const kind = (m: string) => (m === 'Head' ? 'head' : 'response');
    const q = this.qualified(fn);
    if (q && q.path === T_NET_HTTP) {
      return ['Get', 'Head', 'Post', 'PostForm'].includes(q.member) ? kind(q.member) : null;
    }
    if (fn.type === 'identifier') return this.respFuncs.has(this.text(fn)) ? 'response' : null;
    if (fn.type !== 'selector_expression') return null;
    const op = child(fn, 'operand');
    const field = child(fn, 'field');
    if (!op || !field) return null;
    const m = this.text(field);
    if (m === 'RoundTrip') return 'response';
    if (['Do', 'Get', 'Head', 'Post', 'PostForm'].includes(m) && this.isClientish(op)) return kind(m);
    if (this.respFuncs.has(m)) return 'response';
    return null;
  }

  /** A receiver that is (very likely) an http.Client. */
  private isClientish(op: GoNode): boolean {
    if (this.isClientExpr(op)) return true;
    const name = lastName(this, op);
    if (!name) return false;
    return this.clientNames.has(name) || name.toLowerCase().includes('client');
  }

  /** Calls that end the path without running a verdict: the process or goroutine ends, or panics. */
  isTerminator(e0: GoNode): boolean {
    const e = unparen(e0);
    if (e.type !== 'call_expression') return false;
    const fn = child(e, 'function');
    if (!fn) return false;
    if (fn.type === 'identifier') return this.text(fn) === 'panic';
    const q = this.qualified(fn);
    if (q && q.path === 'os' && q.member === 'Exit') return true;
    if (q && q.path === 'runtime' && q.member === 'Goexit') return true;
    if (fn.type === 'selector_expression') {
      const f = child(fn, 'field');
      return !!f && TERMINATING_METHODS.has(this.text(f));
    }
    return false;
  }
}

const TERMINATING_METHODS = new Set([
  'Fatal', 'Fatalf', 'Fatalln', 'FailNow', 'SkipNow', 'Skip', 'Skipf', 'Panic', 'Panicf', 'Panicln', 'Exitf',
]);

function importSpecs(decl: GoNode): GoNode[] {
  const list = firstOfType(decl, 'import_spec_list');
  return (list ?? decl).children.filter((c) => c.type === 'import_spec');
}

/** The unquoted import path of an import_spec, or null. */
export function importPath(ast: GoAst, spec: GoNode): string | null {
  const p = child(spec, 'path');
  if (!p) return null;
  const raw = nodeText(ast, p);
  return raw.length >= 2 ? raw.slice(1, -1) : null;
}

/** The name a package is referred to by without an explicit import name. */
export function defaultImportName(path: string): string {
  const segs = path.split('/');
  let last = segs[segs.length - 1] ?? path;
  // major-version suffix: example.com/foo/v2 → foo
  const isMajorVersion = last.length > 1 && last[0] === 'v' && [...last.slice(1)].every((c) => c >= '0' && c <= '9');
  if (segs.length > 1 && isMajorVersion) {
    last = segs[segs.length - 2]!;
  }
  return last;
}

function firstResultType(result: GoNode): GoNode | null {
  if (result.type !== 'parameter_list') return result;
  const first = result.children.find((c) => c.type === 'parameter_declaration');
  return first ? child(first, 'type') : null;
}

/** The last name in an operand: `c` → c, `s.client` → client, `newClient()` → newClient. */
function lastName(file: FileInfo, n0: GoNode): string | null {
  const n = unparen(n0);
  switch (n.type) {
    case 'identifier':
    case 'field_identifier':
      return file.text(n);
    case 'selector_expression': {
      const f = child(n, 'field');
      return f ? file.text(f) : null;
    }
    case 'call_expression': {
      const f = child(n, 'function');
      return f ? lastName(file, f) : null;
    }
    case 'unary_expression': {
      const op = child(n, 'operand');
      return op ? lastName(file, op) : null;
    }
    default:
      return null;
  }
}

interface Assignment {
  node: GoNode;
  lhs: GoNode[];
  /** null: declared without values (`var x T`), or a range/receive whose values are not expressions of ours */
  rhs: GoNode[] | null;
  kind: 'assign' | 'var' | 'range' | 'recv';
}

function assignmentOf(n: GoNode): Assignment | null {
  switch (n.type) {
    case 'short_var_declaration':
    case 'assignment_statement': {
      const l = child(n, 'left');
      const r = child(n, 'right');
      if (!l || !r) return null;
      return { node: n, lhs: namedChildren(l), rhs: namedChildren(r), kind: 'assign' };
    }
    case 'var_spec': {
      const v = child(n, 'value');
      return { node: n, lhs: childrenByField(n, 'name'), rhs: v ? namedChildren(v) : null, kind: 'var' };
    }
    case 'range_clause': {
      const l = child(n, 'left');
      return l ? { node: l, lhs: namedChildren(l), rhs: null, kind: 'range' } : null;
    }
    case 'receive_statement': {
      const l = child(n, 'left');
      return l ? { node: n, lhs: namedChildren(l), rhs: null, kind: 'recv' } : null;
    }
    default:
      return null;
  }
}

/** The value assigned to lhs[i]: the i-th expression, or for `a, b := f()` the call for a. */
function rhsFor(asg: Assignment, i: number): GoNode | null {
  if (!asg.rhs) return null;
  if (asg.rhs.length === asg.lhs.length) return asg.rhs[i] ?? null;
  if (asg.rhs.length === 1 && i === 0) return asg.rhs[0]!;
  return null;
}

function isLhsIdentifier(n: GoNode): boolean {
  const p = n.parent;
  if (!p) return false;
  if (p.type === 'expression_list' && p.field === 'left') {
    const g = p.parent?.type;
    return g === 'short_var_declaration' || g === 'assignment_statement' || g === 'range_clause' || g === 'receive_statement';
  }
  return (p.type === 'var_spec' || p.type === 'const_spec') && n.field === 'name';
}

function isNilCompare(file: FileInfo, expr: GoNode): boolean {
  // expr is a direct operand of `== nil` / `!= nil`
  const p = expr.parent;
  if (!p || p.type !== 'binary_expression') return false;
  const op = child(p, 'operator');
  if (!op || !['==', '!='].includes(file.text(op))) return false;
  const other = expr.field === 'left' ? child(p, 'right') : child(p, 'left');
  return !!other && other.type === 'nil';
}

/** `defer func() { … }()`: a func literal deferred and called without arguments. */
function isDeferredClosure(lit: GoNode): boolean {
  const call = lit.parent;
  if (!call || call.type !== 'call_expression' || lit.field !== 'function') return false;
  if (call.parent?.type !== 'defer_statement') return false;
  const args = child(call, 'arguments');
  return !args || namedChildren(args).length === 0;
}

/** Walks a function body: into deferred closures (they run at exit), not into other func literals. */
function walkCtx(body: GoNode, visit: (n: GoNode) => boolean | void): void {
  walk(body, (n) => {
    if (n.type === 'func_literal' && !isDeferredClosure(n)) {
      visit(n);
      return false;
    }
    return visit(n);
  });
}

/** Walks a function's own statements (no func literal bodies at all). */
function walkOwn(body: GoNode, visit: (n: GoNode) => void): void {
  walk(body, (n) => {
    if (n.type === 'func_literal') return false;
    visit(n);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Readers over the body

type ReaderKind = 'reader' | 'decoder' | 'scanner' | 'csv';

interface ReaderInfo {
  kind: ReaderKind;
  /** bounded by io.LimitReader / http.MaxBytesReader: reading it to its end is not reading the body to EOF */
  bounded: string | null;
  /** package of a decoder ('json', 'xml') */
  pkg: string;
  /** statements creating this reader (and the response): a loop around a read that contains none of them is a read loop */
  origins: GoNode[];
}

// ---------------------------------------------------------------------------------------------------------------
// Path states

type BodyState = 'none' | 'unread' | 'partial' | 'full' | 'unknown' | 'closed';

interface Tuple {
  body: BodyState;
  /** what the partial read was (for the message) */
  partialBy: string;
  /** error variable assigned together with the response: `err != nil` ⇒ the response is nil */
  errVar: string;
  /** ids of registered deferred actions, in registration order */
  defers: DeferChain;
}

/**
 * An immutable sequence of deferred-action ids (distinct), hash-consed per analysis: one node per distinct
 * sequence, so `serial` identifies the sequence. Appending and dropping the last id are O(1); nodes extending
 * one another share `items`/`pos` (copied only where two sequences diverge), so membership is O(1) too.
 */
interface DeferChain {
  readonly serial: number;
  readonly parent: DeferChain | null;
  /** the last id (-1 for the empty sequence) */
  readonly id: number;
  readonly depth: number;
  /** shared: items[0..depth) is this sequence */
  readonly items: number[];
  /** shared with items: index of each id in items */
  readonly pos: Map<number, number>;
  /** the sequences extending this one by one id */
  readonly next: Map<number, DeferChain>;
}

let chainSerial = 0;
const emptyChain = (): DeferChain => ({ serial: chainSerial++, parent: null, id: -1, depth: 0, items: [], pos: new Map(), next: new Map() });
function chainHas(c: DeferChain, id: number): boolean {
  const i = c.pos.get(id);
  return i !== undefined && i < c.depth;
}
/** `c` followed by `id` (which `c` must not contain). */
function chainPush(c: DeferChain, id: number): DeferChain {
  let n = c.next.get(id);
  if (n) return n;
  let items = c.items;
  let pos = c.pos;
  if (items.length !== c.depth) {
    items = items.slice(0, c.depth);
    pos = new Map(items.map((x, i) => [x, i]));
  }
  items.push(id);
  pos.set(id, c.depth);
  n = { serial: chainSerial++, parent: c, id, depth: c.depth + 1, items, pos, next: new Map() };
  c.next.set(id, n);
  return n;
}

type SS = Map<string, Tuple>;

const keyOf = (t: Tuple): string => `${t.body}|${t.partialBy}|${t.errVar}|${t.defers.serial}`;
const single = (t: Tuple): SS => new Map([[keyOf(t), t]]);
const EMPTY: SS = new Map();

function addAll(into: SS, from: SS): void {
  for (const [k, t] of from) into.set(k, t);
}
function union(...sets: SS[]): SS {
  const out: SS = new Map();
  for (const s of sets) addAll(out, s);
  return out;
}
function mapSS(s: SS, f: (t: Tuple) => Tuple): SS {
  const out: SS = new Map();
  for (const t of s.values()) {
    const u = f(t);
    out.set(keyOf(u), u);
  }
  return out;
}
const closedOf = (b: BodyState): BodyState => (b === 'unread' || b === 'partial' || b === 'full' ? 'closed' : b);

type ReadLevel = 'full' | 'partial' | 'unknown';

type Ev =
  | { k: 'read'; level: ReadLevel; desc: string; a: GoNode; order: number }
  | { k: 'close'; call: GoNode; a: GoNode; order: number }
  | { k: 'assign'; state: BodyState; errVar: string; a: GoNode; order: number }
  | { k: 'clearErr'; name: string; a: GoNode; order: number };

type DeferEntry =
  | { id: number; kind: 'close'; call: GoNode; stmt: GoNode }
  | { id: number; kind: 'closure'; lit: GoNode }
  | { id: number; kind: 'call'; call: GoNode };

interface Target {
  label: string | null;
  loop: boolean;
  breaks: SS;
  continues: SS;
}

interface Frame {
  targets: Target[];
  onReturn(s: SS, ret: GoNode | null): void;
}

interface SiteReport {
  call: GoNode;
  deferStmt: GoNode | null;
  inClosure: boolean;
  never: boolean;
  partialDescs: Set<string>;
  /** rows of `return` statements where a deferred Close ran with nothing read */
  unreadReturnRows: Set<number>;
  /** rows of `return` statements where a deferred Close ran undrained (read or not) */
  undrainedReturnRows: Set<number>;
}

// ---------------------------------------------------------------------------------------------------------------
// Per function

function analyzeFunction(
  file: FileInfo,
  fn: GoNode,
  body: GoNode,
  reports: Map<number, SiteReport>,
  drainedSites: Set<number>,
  unanalysed: GoUnanalysed[] | undefined,
): void {
  // named results are handed to the caller: not ours to judge
  const named = new Set<string>();
  const result = child(fn, 'result');
  if (result && result.type === 'parameter_list') {
    for (const pd of result.children) for (const nm of childrenByField(pd, 'name')) named.add(file.text(nm));
  }
  const params = new Set<string>();
  /** Where each response variable is first named (to say where one could not be analysed). */
  const firstNamed = new Map<string, GoNode>();
  const paramList = child(fn, 'parameters');
  if (paramList) {
    for (const pd of paramList.children) {
      if (pd.type === 'parameter_declaration' && file.isResponsePtr(child(pd, 'type'))) {
        for (const nm of childrenByField(pd, 'name')) {
          params.add(file.text(nm));
          if (!firstNamed.has(file.text(nm))) firstNamed.set(file.text(nm), nm);
        }
      }
    }
  }
  const vars = new Set<string>(params);
  walkOwn(body, (n) => {
    const asg = assignmentOf(n);
    if (!asg) return;
    asg.lhs.forEach((l, i) => {
      const r = rhsFor(asg, i);
      if (l.type === 'identifier' && file.text(l) !== '_' && r && file.responseCall(r)) {
        vars.add(file.text(l));
        if (!firstNamed.has(file.text(l))) firstNamed.set(file.text(l), l);
      }
    });
  });
  for (const v of vars) {
    if (named.has(v)) continue;
    // Each variable's reports join the file's only when its analysis ran to the end: a cut-short one
    // (see PathBudget) has not seen every path, and a finding from some paths could be wrong.
    const own = new Map<number, SiteReport>();
    const ownDrained = new Set<number>();
    try {
      new VarAnalysis(file, fn, body, v, params.has(v), own, ownDrained).run();
    } catch (e) {
      if (!(e instanceof PathBudgetExceeded)) throw e;
      const at = firstNamed.get(v);
      if (unanalysed && at) {
        unanalysed.push({
          line: at.startRow, startChar: at.startCol, endLine: at.endRow, endChar: at.endCol, variable: v,
          message: `h2lens did not check whether ${v}.Body is drained before it is closed: this function has too many paths ` +
            `for ${v} (branches that each register their own deferred closes multiply them, past ${formatNumber(PathBudget.maxStates)} ` +
            `states at one point or ${formatNumber(PathBudget.maxVisits)} in all). Nothing is reported for ${v} here, drained or not.`,
        });
      }
      continue;
    }
    for (const [id, r] of own) reports.set(id, r);
    for (const id of ownDrained) drainedSites.add(id);
  }
}

/**
 * Bounds of the path-sensitive walk of one variable. Paths that register different deferred closes
 * are different states, so deeply nested branches full of defers multiply them; real functions stay
 * far below these bounds (the largest state set among the test fixtures holds a handful).
 */
const PathBudget = {
  /** States one program point may carry. */
  maxStates: 256,
  /** States visited over the whole walk of one variable. */
  maxVisits: 2_000_000,
};

class PathBudgetExceeded extends Error {
  constructor() {
    super('too many paths to analyse');
  }
}

class VarAnalysis {
  private readonly wrappers = new Map<string, ReaderInfo>();
  private readonly vOrigins: GoNode[] = [];
  private readonly errNames = new Set<string>();
  private readonly events: Ev[] = [];
  private readonly evCache = new Map<number, Ev[]>();
  private readonly deferEntries: DeferEntry[] = [];
  private readonly deferByStmt = new Map<number, DeferEntry | null>();
  /** the empty sequence of defers (root of this analysis' hash-consed sequences) */
  private readonly noDefers = emptyChain();
  private readonly closureMemo = new Map<string, SS>();
  private names = new Set<string>();
  /** States visited so far (PathBudget.maxVisits). */
  private visits = 0;

  constructor(
    private readonly file: FileInfo,
    private readonly fn: GoNode,
    private readonly body: GoNode,
    private readonly v: string,
    private readonly isParam: boolean,
    private readonly reports: Map<number, SiteReport>,
    private readonly drainedSites: Set<number>,
  ) {}

  private t(n: GoNode): string {
    return this.file.text(n);
  }

  run(): void {
    this.collectOrigins();
    this.collectWrappers();
    this.names = new Set([this.v, ...this.wrappers.keys()]);
    this.collectEvents();
    const frame: Frame = {
      targets: [],
      onReturn: (s, ret) => {
        for (const t of s.values()) this.runDefers(t, ret ? ret.startRow : null);
      },
    };
    const init: Tuple = { body: this.isParam ? 'unread' : 'none', partialBy: '', errVar: '', defers: this.noDefers };
    const end = this.exec(this.body, single(init), frame);
    frame.onReturn(end, null);
  }

  // ---- pre-passes ----

  private collectOrigins(): void {
    walkCtx(this.body, (n) => {
      const asg = assignmentOf(n);
      if (!asg) return;
      asg.lhs.forEach((l, i) => {
        if (l.type !== 'identifier' || this.t(l) !== this.v) return;
        this.vOrigins.push(asg.node);
        const r = rhsFor(asg, i);
        if (i === 0 && r && this.file.responseCall(r) && asg.rhs?.length === 1) {
          const e = asg.lhs[1];
          if (e && e.type === 'identifier' && this.t(e) !== '_') this.errNames.add(this.t(e));
        }
      });
    });
  }

  /** Names declared in this function (params, :=, var): a reader assigned to anything else is stored away. */
  private localNames(): Set<string> {
    const out = new Set<string>();
    const params = child(this.fn, 'parameters');
    if (params) for (const pd of params.children) for (const nm of childrenByField(pd, 'name')) out.add(this.t(nm));
    walkCtx(this.body, (n) => {
      if (n.type === 'short_var_declaration' || n.type === 'var_spec' || (n.type === 'range_clause' && firstOfType(n, ':='))) {
        const asg = assignmentOf(n);
        if (asg) for (const l of asg.lhs) if (l.type === 'identifier') out.add(this.t(l));
      }
    });
    return out;
  }

  /** Names bound to readers over v.Body (`dec := json.NewDecoder(resp.Body)`, `body := resp.Body`…). */
  private collectWrappers(): void {
    const locals = this.localNames();
    for (let round = 0; round < 6; round++) {
      let changed = false;
      walkCtx(this.body, (n) => {
        const asg = assignmentOf(n);
        if (!asg || !asg.rhs) return;
        asg.lhs.forEach((l, i) => {
          if (l.type !== 'identifier') return;
          const name = this.t(l);
          if (name === '_' || name === this.v || this.wrappers.has(name) || !locals.has(name)) return;
          const r = rhsFor(asg, i);
          const info = r ? this.readerOf(r) : null;
          if (!info) return;
          this.wrappers.set(name, { ...info, origins: [...info.origins, asg.node] });
          changed = true;
        });
      });
      if (!changed) break;
    }
  }

  private isVBody(e: GoNode): boolean {
    if (e.type !== 'selector_expression') return false;
    const op = child(e, 'operand');
    const f = child(e, 'field');
    return !!op && !!f && op.type === 'identifier' && this.t(op) === this.v && this.t(f) === 'Body';
  }

  private readerOf(e0: GoNode): ReaderInfo | null {
    const e = unparen(e0);
    if (this.isVBody(e)) return { kind: 'reader', bounded: null, pkg: '', origins: this.vOrigins };
    if (e.type === 'identifier') return this.wrappers.get(this.t(e)) ?? null;
    if (e.type === 'call_expression') {
      const args = child(e, 'arguments');
      if (!args) return null;
      const argv = namedChildren(args);
      for (let i = 0; i < argv.length; i++) {
        const inner = this.readerOf(argv[i]!);
        if (inner) {
          const w = this.wrapInfo(e, i, inner);
          if (w) return w;
        }
      }
    }
    return null;
  }

  /** A constructor that wraps the reader passed at argument `idx`: the new reader, or null. */
  private wrapInfo(call: GoNode, idx: number, inner: ReaderInfo): ReaderInfo | null {
    if (inner.kind !== 'reader') return null;
    const q = this.file.qualified(child(call, 'function'));
    if (!q) return null;
    const same = (kind: ReaderKind, pkg = ''): ReaderInfo => ({ ...inner, kind, pkg });
    const key = `${q.path}.${q.member}`;
    switch (key) {
      case 'bufio.NewReader':
      case 'bufio.NewReaderSize':
      case 'io.TeeReader':
      case 'io.NopCloser':
      case 'io/ioutil.NopCloser':
      case 'compress/gzip.NewReader':
        return idx === 0 ? same('reader') : null;
      case 'io.LimitReader':
        return idx === 0 ? { ...inner, bounded: 'io.LimitReader' } : null;
      case 'net/http.MaxBytesReader':
        return idx === 1 ? { ...inner, bounded: 'http.MaxBytesReader' } : null;
      case 'encoding/json.NewDecoder':
        return idx === 0 ? same('decoder', 'json') : null;
      case 'encoding/xml.NewDecoder':
        return idx === 0 ? same('decoder', 'xml') : null;
      case 'bufio.NewScanner':
        return idx === 0 ? same('scanner') : null;
      case 'encoding/csv.NewReader':
        return idx === 0 ? same('csv') : null;
      default:
        return null;
    }
  }

  private collectEvents(): void {
    const evs = this.events;
    const order = (n: GoNode, rank: number) => n.endIndex * 4 + rank;
    walkCtx(this.body, (n) => {
      if (n.type === 'func_literal' && !isDeferredClosure(n)) {
        // it may run at any time and do anything with the body: an unknown use
        if (this.references(n)) evs.push({ k: 'read', level: 'unknown', desc: '', a: n, order: order(n, 0) });
        return false;
      }
      if (n.type === 'go_statement') {
        if (this.references(n)) evs.push({ k: 'read', level: 'unknown', desc: '', a: n, order: order(n, 0) });
        return false;
      }
      const asg = assignmentOf(n);
      if (asg) {
        asg.lhs.forEach((l, i) => {
          if (l.type !== 'identifier') return;
          const name = this.t(l);
          if (name === this.v) {
            const r = rhsFor(asg, i);
            let state: BodyState = 'unknown';
            let errVar = '';
            const rc = r ? this.file.responseCall(r) : null;
            if (rc) {
              state = rc === 'head' ? 'none' : 'unread';
              const e = asg.lhs[1];
              if (i === 0 && asg.rhs?.length === 1 && e && e.type === 'identifier' && this.t(e) !== '_') errVar = this.t(e);
            } else if (asg.kind === 'var' && !asg.rhs) state = 'none';
            else if (r && unparen(r).type === 'nil') state = 'none';
            evs.push({ k: 'assign', state, errVar, a: asg.node, order: order(asg.node, 2) });
          } else if (this.errNames.has(name)) {
            evs.push({ k: 'clearErr', name, a: asg.node, order: order(asg.node, 1) });
          }
        });
      }
      if (n.type === 'identifier' && !isLhsIdentifier(n)) {
        const name = this.t(n);
        if (name === this.v) this.useOfV(n);
        else if (this.wrappers.has(name)) this.useOfReader(n, this.wrappers.get(name)!);
      }
      return true;
    });
    evs.sort((a, b) => a.order - b.order);
  }

  private references(n: GoNode): boolean {
    let found = false;
    walk(n, (c) => {
      if (found) return false;
      if (c.type === 'identifier' && this.names.has(this.t(c))) found = true;
      return !found;
    });
    return found;
  }

  private pushRead(level: ReadLevel, desc: string, a: GoNode): void {
    this.events.push({ k: 'read', level, desc, a, order: a.endIndex * 4 });
  }

  private useOfV(n: GoNode): void {
    const p = n.parent!;
    if (p.type === 'selector_expression' && n.field === 'operand') {
      const f = child(p, 'field');
      const field = f ? this.t(f) : '';
      if (field === 'Body') {
        const close = this.closeCallOf(p);
        if (close) {
          if (close.parent?.type !== 'defer_statement') this.events.push({ k: 'close', call: close, a: close, order: close.endIndex * 4 });
          return;
        }
        this.useOfReader(p, { kind: 'reader', bounded: null, pkg: '', origins: this.vOrigins });
        return;
      }
      // resp.Write(w) copies (and reads) the body; other fields/methods leave it alone
      if (field === 'Write' && p.field === 'function') this.pushRead('unknown', '', p.parent!);
      return;
    }
    if (isNilCompare(this.file, n)) return;
    if (p.type === 'literal_element' && n.field === null && p.field === 'key') return;
    // returned, stored, passed along…: somebody else may drain it
    this.pushRead('unknown', '', n);
  }

  /** `X.Close()` where X is the given `v.Body` selector: the call node. */
  private closeCallOf(bodySel: GoNode): GoNode | null {
    const sel = bodySel.parent;
    if (!sel || sel.type !== 'selector_expression' || bodySel.field !== 'operand') return null;
    const f = child(sel, 'field');
    if (!f || this.t(f) !== 'Close') return null;
    const call = sel.parent;
    if (!call || call.type !== 'call_expression' || sel.field !== 'function') return null;
    const args = child(call, 'arguments');
    return args && namedChildren(args).length === 0 ? call : null;
  }

  /** A use of a reader over the body (v.Body itself or a wrapper name): classify by context. */
  private useOfReader(r0: GoNode, info0: ReaderInfo): void {
    let r = r0;
    let info = info0;
    // climb through wrapping constructors used inline: json.NewDecoder(resp.Body).Decode(…)
    for (;;) {
      while (r.parent && r.parent.type === 'parenthesized_expression') r = r.parent;
      const p = r.parent;
      if (p && p.type === 'argument_list' && p.parent?.type === 'call_expression') {
        const idx = namedChildren(p).findIndex((c) => c.id === r.id);
        const w = this.wrapInfo(p.parent, idx, info);
        if (w) {
          info = w;
          r = p.parent;
          continue;
        }
      }
      break;
    }
    const p = r.parent;
    if (!p) return;
    if (p.type === 'selector_expression' && r.field === 'operand') {
      const f = child(p, 'field');
      const call = p.parent;
      if (f && call && call.type === 'call_expression' && p.field === 'function') {
        this.methodRead(info, this.t(f), call);
        return;
      }
      this.pushRead('unknown', '', p);
      return;
    }
    if (p.type === 'argument_list' && p.parent?.type === 'call_expression') {
      const idx = namedChildren(p).findIndex((c) => c.id === r.id);
      this.funcRead(info, p.parent, idx);
      return;
    }
    if (isNilCompare(this.file, r)) return;
    if (p.type === 'expression_list' && (p.field === 'right' || p.field === 'value')) {
      const asgNode = p.parent!;
      const asg = assignmentOf(asgNode);
      if (asg && asg.rhs && asg.rhs.length === asg.lhs.length) {
        const idx = asg.rhs.findIndex((c) => c.id === r.id);
        const l = asg.lhs[idx];
        if (l && l.type === 'identifier' && (this.t(l) === '_' || this.wrappers.has(this.t(l)))) return;
      } else if (asg && asg.rhs && asg.rhs.length === 1 && asg.rhs[0]!.id === r.id) {
        const l = asg.lhs[0];
        if (l && l.type === 'identifier' && (this.t(l) === '_' || this.wrappers.has(this.t(l)))) return;
      }
    }
    this.pushRead('unknown', '', r);
  }

  private level(info: ReaderInfo, full: boolean, desc: string): { level: ReadLevel; desc: string } {
    if (full && info.bounded) return { level: 'partial', desc: `a read bounded by ${info.bounded}` };
    return { level: full ? 'full' : 'partial', desc };
  }

  private methodRead(info: ReaderInfo, m: string, call: GoNode): void {
    const emit = (x: { level: ReadLevel; desc: string }) => this.pushRead(x.level, x.desc, call);
    const loop = () => this.readLoop(call, info);
    switch (info.kind) {
      case 'reader':
        if (READ_METHODS.has(m)) return emit(this.loopRead(info, loop(), `a single ${m} call`));
        if (m === 'WriteTo') return emit(this.level(info, true, ''));
        if (m === 'Discard') return emit(this.level(info, false, 'bufio.Reader.Discard'));
        if (READER_NOOPS.has(m)) return;
        return emit({ level: 'unknown', desc: '' });
      case 'decoder': {
        if (m === 'Decode' || m === 'Token' || m === 'RawToken') {
          const l = loop();
          if (!l) return emit(this.level(info, false, `${info.pkg}.Decoder.${m}, which stops after one value`));
          return emit(this.refsEOF(l) ? this.level(info, true, '') : { level: 'unknown', desc: '' });
        }
        if (DECODER_NOOPS.has(m)) return;
        return emit({ level: 'unknown', desc: '' });
      }
      case 'scanner':
        if (m === 'Scan') return emit(loop() ? this.level(info, true, '') : this.level(info, false, 'a single bufio.Scanner.Scan'));
        if (SCANNER_NOOPS.has(m)) return;
        return emit({ level: 'unknown', desc: '' });
      case 'csv':
        if (m === 'ReadAll') return emit(this.level(info, true, ''));
        if (m === 'Read') return emit(this.loopRead(info, loop(), 'a single csv.Reader.Read'));
        if (m === 'FieldPos' || m === 'InputOffset') return;
        return emit({ level: 'unknown', desc: '' });
    }
  }

  private loopRead(info: ReaderInfo, loop: GoNode | null, desc: string): { level: ReadLevel; desc: string } {
    if (!loop) return this.level(info, false, desc);
    // `for { …; if err != nil { break } }` or a loop that looks for io.EOF reads to the end
    if (!forHasCondition(loop) || this.refsEOF(loop)) return this.level(info, true, '');
    return { level: 'unknown', desc: '' };
  }

  private funcRead(info: ReaderInfo, call: GoNode, idx: number): void {
    const emit = (x: { level: ReadLevel; desc: string }) => this.pushRead(x.level, x.desc, call);
    if (info.kind !== 'reader') return emit({ level: 'unknown', desc: '' });
    const fn = child(call, 'function');
    const q = this.file.qualified(fn);
    const key = q ? `${q.path}.${q.member}` : '';
    if ((key === 'io.Copy' || key === 'io.CopyBuffer') && idx === 1) return emit(this.level(info, true, ''));
    if ((key === 'io.ReadAll' || key === 'io/ioutil.ReadAll') && idx === 0) return emit(this.level(info, true, ''));
    if (key === 'io.CopyN' && idx === 1) return emit(this.level(info, false, 'io.CopyN, which copies a fixed number of bytes'));
    if (key === 'io.ReadFull' && idx === 0) return emit(this.level(info, false, 'io.ReadFull, which reads a fixed number of bytes'));
    if (key === 'io.ReadAtLeast' && idx === 0) return emit(this.level(info, false, 'io.ReadAtLeast'));
    if (!q && fn && fn.type === 'selector_expression' && idx === 0) {
      const f = child(fn, 'field');
      if (f && this.t(f) === 'ReadFrom') return emit(this.level(info, true, ''));
    }
    emit({ level: 'unknown', desc: '' });
  }

  /** The innermost `for` around `call` (inside this function) that does not also create the reader/response. */
  private readLoop(call: GoNode, info: ReaderInfo): GoNode | null {
    for (let a = call.parent; a && a.id !== this.body.id; a = a.parent) {
      if (a.type === 'func_literal') return null;
      if (a.type === 'for_statement' && !info.origins.some((o) => contains(a!, o))) return a;
    }
    return null;
  }

  private refsEOF(n: GoNode): boolean {
    let found = false;
    walk(n, (c) => {
      if (found) return false;
      if (c.type === 'selector_expression' && this.file.isQ(c, 'io', 'EOF')) found = true;
      return !found;
    });
    return found;
  }

  // ---- control flow ----

  /** Counts `states` states against the path budget; past it the analysis of this variable stops. */
  private visit(states: number): void {
    if (states > PathBudget.maxStates || (this.visits += states) > PathBudget.maxVisits) throw new PathBudgetExceeded();
  }

  private exec(n: GoNode, s: SS, fr: Frame, label: string | null = null): SS {
    if (s.size === 0) return s;
    this.visit(s.size);
    switch (n.type) {
      case 'block': {
        const list = firstOfType(n, 'statement_list');
        return list ? this.exec(list, s, fr) : s;
      }
      case 'statement_list': {
        let cur = s;
        for (const c of namedChildren(n)) cur = this.exec(c, cur, fr);
        return cur;
      }
      case 'expression_statement': {
        const e = namedChildren(n)[0];
        if (e && this.file.isTerminator(e)) return EMPTY;
        return this.eval(n, s);
      }
      case 'return_statement': {
        fr.onReturn(this.eval(n, s), n);
        return EMPTY;
      }
      case 'defer_statement':
        return this.deferStatement(n, s);
      case 'if_statement':
        return this.ifStatement(n, s, fr);
      case 'expression_switch_statement':
      case 'type_switch_statement':
      case 'select_statement':
        return this.switchStatement(n, s, fr, label);
      case 'for_statement':
        return this.forStatement(n, s, fr, label);
      case 'labeled_statement': {
        const lbl = child(n, 'label');
        const inner = namedChildren(n).find((c) => c.field !== 'label');
        return inner ? this.exec(inner, s, fr, lbl ? this.t(lbl) : null) : s;
      }
      case 'break_statement': {
        const tg = this.target(n, fr, false);
        if (tg) addAll(tg.breaks, s);
        return EMPTY;
      }
      case 'continue_statement': {
        const tg = this.target(n, fr, true);
        if (tg) addAll(tg.continues, s);
        return EMPTY;
      }
      case 'goto_statement':
        return EMPTY; // not followed: the path is dropped (no verdict rather than a wrong one)
      case 'fallthrough_statement':
      case 'empty_statement':
        return s;
      default:
        return this.eval(n, s);
    }
  }

  private target(n: GoNode, fr: Frame, loopOnly: boolean): Target | null {
    const lbl = firstOfType(n, 'label_name');
    const name = lbl ? this.t(lbl) : null;
    for (let i = fr.targets.length - 1; i >= 0; i--) {
      const tg = fr.targets[i]!;
      if (name !== null ? tg.label === name : !loopOnly || tg.loop) return tg;
    }
    return null;
  }

  private ifStatement(n: GoNode, s: SS, fr: Frame): SS {
    let cur = s;
    const init = child(n, 'initializer');
    if (init) cur = this.eval(init, cur);
    const cond = child(n, 'condition');
    if (cond) cur = this.eval(cond, cur);
    const sT = this.refine(cur, cond, true);
    const sF = this.refine(cur, cond, false);
    const cons = child(n, 'consequence');
    const alt = child(n, 'alternative');
    return union(cons ? this.exec(cons, sT, fr) : sT, alt ? this.exec(alt, sF, fr) : sF);
  }

  private switchStatement(n: GoNode, s: SS, fr: Frame, label: string | null): SS {
    let cur = s;
    for (const f of ['initializer', 'value']) {
      const c = child(n, f);
      if (c) cur = this.eval(c, cur);
    }
    const isSelect = n.type === 'select_statement';
    const tg: Target = { label, loop: false, breaks: new Map(), continues: new Map() };
    fr.targets.push(tg);
    const out: SS = new Map();
    let fall: SS = EMPTY;
    let hasDefault = false;
    for (const c of n.children) {
      if (!['expression_case', 'type_case', 'default_case', 'communication_case'].includes(c.type)) continue;
      if (c.type === 'default_case') hasDefault = true;
      let entry = union(cur, fall);
      const comm = child(c, 'communication');
      if (comm) entry = this.eval(comm, entry);
      const list = firstOfType(c, 'statement_list');
      const res = list ? this.exec(list, entry, fr) : entry;
      const stmts = list ? namedChildren(list) : [];
      if (stmts.length && stmts[stmts.length - 1]!.type === 'fallthrough_statement') fall = res;
      else {
        addAll(out, res);
        fall = EMPTY;
      }
    }
    fr.targets.pop();
    if (!hasDefault && !isSelect) addAll(out, cur);
    addAll(out, tg.breaks);
    return out;
  }

  private forStatement(n: GoNode, s: SS, fr: Frame, label: string | null): SS {
    const clause = firstOfType(n, 'for_clause');
    const range = firstOfType(n, 'range_clause');
    const body = child(n, 'body');
    let cond: GoNode | null = null;
    if (clause) cond = child(clause, 'condition');
    else if (!range) cond = namedChildren(n).find((c) => c.field !== 'body') ?? null;
    let cur = s;
    const init = clause ? child(clause, 'initializer') : null;
    if (init) cur = this.eval(init, cur);
    const rangeExpr = range ? child(range, 'right') : null;
    if (rangeExpr) cur = this.eval(rangeExpr, cur);
    const rangeLeft = range ? child(range, 'left') : null;
    const update = clause ? child(clause, 'update') : null;
    const tg: Target = { label, loop: true, breaks: new Map(), continues: new Map() };
    let head: SS = new Map(cur);
    let atCond: SS = EMPTY;
    const backAll: SS = new Map();
    for (let iter = 0; iter < 64; iter++) {
      atCond = cond ? this.eval(cond, head) : head;
      const entry = rangeLeft ? this.eval(rangeLeft, atCond) : atCond;
      fr.targets.push(tg);
      const bodyOut = body ? this.exec(body, entry, fr) : entry;
      fr.targets.pop();
      let back = union(bodyOut, tg.continues);
      if (update) back = this.eval(update, back);
      addAll(backAll, back);
      const next = union(head, back);
      if (next.size === head.size) break;
      head = next;
    }
    const out: SS = new Map(tg.breaks);
    if (cond || range) {
      // A loop that reads the body is assumed to run at least once: `for i := 0; i < 3; i++ { read }`
      // must not yield a "never read" path through zero iterations (no verdict rather than a wrong one).
      const reads = this.eventsIn(n).some((e) => e.k === 'read');
      addAll(out, reads ? (cond ? this.eval(cond, backAll) : backAll) : atCond);
    }
    return out;
  }

  /** `if cond`: in the branch where the response is known to be nil, there is nothing to drain. */
  private refine(s: SS, cond: GoNode | null, truth: boolean): SS {
    if (!cond) return s;
    return mapSS(s, (t) => (t.body !== 'none' && this.impliesNil(cond, truth, t.errVar) ? { ...t, body: 'none', partialBy: '' } : t));
  }

  private impliesNil(c0: GoNode, truth: boolean, errVar: string): boolean {
    const c = unparen(c0);
    if (c.type === 'unary_expression') {
      const op = child(c, 'operator');
      const x = child(c, 'operand');
      return !!op && !!x && this.t(op) === '!' && this.impliesNil(x, !truth, errVar);
    }
    if (c.type !== 'binary_expression') return false;
    const opN = child(c, 'operator');
    const l = child(c, 'left');
    const r = child(c, 'right');
    if (!opN || !l || !r) return false;
    const op = this.t(opN);
    if (op === '&&') return truth && (this.impliesNil(l, true, errVar) || this.impliesNil(r, true, errVar));
    if (op === '||') return !truth && (this.impliesNil(l, false, errVar) || this.impliesNil(r, false, errVar));
    if (op !== '==' && op !== '!=') return false;
    const x = l.type === 'nil' ? unparen(r) : r.type === 'nil' ? unparen(l) : null;
    if (!x || x.type !== 'identifier') return false;
    const isNil = (op === '==') === truth; // "x == nil" holds in this branch
    const name = this.t(x);
    if (name === this.v) return isNil;
    if (errVar && name === errVar) return !isNil; // err != nil ⇒ the response is nil
    return false;
  }

  private deferStatement(n: GoNode, s: SS): SS {
    let entry = this.deferByStmt.get(n.id);
    if (entry === undefined) {
      entry = this.makeDeferEntry(n);
      this.deferByStmt.set(n.id, entry);
    }
    if (!entry) return s;
    const id = entry.id;
    return mapSS(s, (t) => (chainHas(t.defers, id) ? t : { ...t, defers: chainPush(t.defers, id) }));
  }

  private makeDeferEntry(n: GoNode): DeferEntry | null {
    const call = namedChildren(n)[0];
    if (!call || call.type !== 'call_expression') return null;
    const fn = child(call, 'function');
    const id = this.deferEntries.length;
    let e: DeferEntry | null = null;
    if (fn && fn.type === 'func_literal' && isDeferredClosure(fn)) {
      if (this.references(fn)) e = { id, kind: 'closure', lit: fn };
    } else if (fn && fn.type === 'selector_expression') {
      const op = child(fn, 'operand');
      if (op && this.isVBody(op) && this.closeCallOf(op)?.id === call.id) e = { id, kind: 'close', call, stmt: n };
    }
    if (!e && !(fn && fn.type === 'func_literal' && isDeferredClosure(fn)) && this.references(call)) e = { id, kind: 'call', call };
    if (e) this.deferEntries.push(e);
    return e;
  }

  /**
   * Runs the registered deferred actions of one path, last first (function exit). Depth-first over the
   * states each action yields (the order of a recursion over them), with an explicit stack: thousands of
   * defers must not exhaust the call stack.
   */
  private runDefers(t0: Tuple, exitRow: number | null): SS {
    const out: SS = new Map();
    const stack: Tuple[] = [t0];
    while (stack.length > 0) {
      if (stack.length > PathBudget.maxStates) throw new PathBudgetExceeded();
      this.visit(1);
      const t = stack.pop()!;
      if (t.defers.depth === 0) {
        out.set(keyOf(t), t);
        continue;
      }
      const e = this.deferEntries[t.defers.id]!;
      const rest: Tuple = { ...t, defers: t.defers.parent! };
      let after: SS;
      switch (e.kind) {
        case 'close':
          this.check(rest, e.call, e.stmt, exitRow);
          after = single({ ...rest, body: closedOf(rest.body), partialBy: '' });
          break;
        case 'closure': {
          after = new Map();
          for (const r of this.simulateClosure(e.lit, { ...rest, defers: this.noDefers }).values()) {
            const u = { ...r, defers: rest.defers };
            after.set(keyOf(u), u);
          }
          break;
        }
        case 'call':
          after = this.eval(e.call, single(rest));
          break;
      }
      const next = [...after.values()];
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
    }
    return out;
  }

  private simulateClosure(lit: GoNode, t: Tuple): SS {
    const key = `${lit.id}#${keyOf(t)}`;
    const memo = this.closureMemo.get(key);
    if (memo) return memo;
    this.closureMemo.set(key, single({ ...t, body: 'unknown' })); // recursion guard
    const exits: SS = new Map();
    const frame: Frame = { targets: [], onReturn: (s) => addAll(exits, s) };
    const body = child(lit, 'body');
    addAll(exits, body ? this.exec(body, single(t), frame) : single(t));
    const out: SS = new Map();
    for (const u of exits.values()) addAll(out, this.runDefers(u, null));
    this.closureMemo.set(key, out);
    return out;
  }

  private eventsIn(n: GoNode): Ev[] {
    let list = this.evCache.get(n.id);
    if (!list) {
      // events are sorted by `order` = endIndex * 4 + rank (rank < 4): those ending inside n are one range
      const evs = this.events;
      const firstAtLeast = (o: number): number => lowerBoundBy(evs.length, o, (k) => evs[k]!.order);
      list = [];
      for (let i = firstAtLeast(n.startIndex * 4), end = firstAtLeast((n.endIndex + 1) * 4); i < end; i++) {
        const e = evs[i]!;
        if (e.a.startIndex >= n.startIndex) list.push(e);
      }
      this.evCache.set(n.id, list);
    }
    return list;
  }

  private eval(n: GoNode, s: SS): SS {
    let cur = s;
    for (const ev of this.eventsIn(n)) cur = mapSS(cur, (t) => this.apply(ev, t));
    return cur;
  }

  private apply(ev: Ev, t: Tuple): Tuple {
    switch (ev.k) {
      case 'read': {
        if (t.body === 'none' || t.body === 'closed' || t.body === 'unknown') return t;
        if (ev.level === 'unknown') return { ...t, body: 'unknown', partialBy: '' };
        if (ev.level === 'full') return { ...t, body: 'full', partialBy: '' };
        return t.body === 'unread' ? { ...t, body: 'partial', partialBy: ev.desc } : t;
      }
      case 'close':
        this.check(t, ev.call, null, null);
        return { ...t, body: closedOf(t.body), partialBy: '' };
      case 'assign': {
        // a deferred `v.Body.Close()` captured the previous body: judge it with its state now
        let defers = this.noDefers;
        for (let i = 0; i < t.defers.depth; i++) {
          const id = t.defers.items[i]!;
          const e = this.deferEntries[id]!;
          if (e.kind !== 'close') defers = chainPush(defers, id);
          else this.check(t, e.call, e.stmt, null);
        }
        return { body: ev.state, partialBy: '', errVar: ev.errVar, defers };
      }
      case 'clearErr':
        return t.errVar === ev.name ? { ...t, errVar: '' } : t;
    }
  }

  private check(t: Tuple, call: GoNode, deferStmt: GoNode | null, exitRow: number | null): void {
    if (t.body === 'full') this.drainedSites.add(call.id);
    if (t.body !== 'unread' && t.body !== 'partial') return;
    let r = this.reports.get(call.id);
    if (!r) {
      r = {
        call,
        deferStmt,
        inClosure: this.insideClosure(call),
        never: false,
        partialDescs: new Set(),
        unreadReturnRows: new Set(),
        undrainedReturnRows: new Set(),
      };
      this.reports.set(call.id, r);
    }
    if (deferStmt && exitRow !== null) r.undrainedReturnRows.add(exitRow);
    if (t.body === 'unread') {
      r.never = true;
      if (deferStmt && exitRow !== null) r.unreadReturnRows.add(exitRow);
    } else r.partialDescs.add(t.partialBy);
  }

  private insideClosure(call: GoNode): boolean {
    for (let a = call.parent; a && a.id !== this.fn.id; a = a.parent) if (a.type === 'func_literal') return true;
    return false;
  }
}

const READ_METHODS = new Set(['Read', 'ReadString', 'ReadBytes', 'ReadLine', 'ReadRune', 'ReadByte', 'ReadSlice']);
const READER_NOOPS = new Set(['Close', 'Peek', 'Buffered', 'Size', 'UnreadByte', 'UnreadRune']);
const DECODER_NOOPS = new Set(['More', 'UseNumber', 'DisallowUnknownFields', 'InputOffset', 'InputPos']);
const SCANNER_NOOPS = new Set(['Text', 'Bytes', 'Err', 'Buffer', 'Split']);

function forHasCondition(loop: GoNode): boolean {
  const clause = firstOfType(loop, 'for_clause');
  if (clause) return !!child(clause, 'condition');
  if (firstOfType(loop, 'range_clause')) return true;
  return namedChildren(loop).some((c) => c.field !== 'body');
}

// ---------------------------------------------------------------------------------------------------------------
// Findings

function toDetail(file: FileInfo, r: SiteReport, drainedElsewhere: boolean): UndrainedDetail {
  const fnSel = child(r.call, 'function')!;
  const bodySel = child(fnSel, 'operand')!;
  const bodyExpr = file.text(bodySel);
  const range = r.deferStmt ?? r.call;
  const partial = r.partialDescs.size > 0;
  const descs = [...r.partialDescs].filter((d) => d);
  let what = partial
    ? `${bodyExpr} is closed after a partial read${descs.length ? ` (${descs.join('; ')})` : ''}, without being read to EOF`
    : `${bodyExpr} is closed without being read to EOF`;
  if (r.inClosure) what += ' (in a deferred function)';
  let msg =
    `${what}: Go's HTTP/2 transport then resets the stream (RST_STREAM CANCEL, plus a PING on Go ≥ 1.24), ` +
    `and servers or edges that count these resets and PINGs answer with GOAWAY ENHANCE_YOUR_CALM. ` +
    `Drain it before closing: io.Copy(io.Discard, ${bodyExpr}).`;
  const lines = (set: Set<number>) => {
    const rows = [...set].sort((a, b) => a - b).map((x) => x + 1);
    return `line${rows.length > 1 ? 's' : ''} ${rows.join(', ')}`;
  };
  if (drainedElsewhere) {
    msg += r.undrainedReturnRows.size
      ? ` It is drained on some paths, but not when the function returns at ${lines(r.undrainedReturnRows)}.`
      : ' It is drained on some paths, but not on all of them.';
  } else if (partial && r.unreadReturnRows.size) {
    msg += ` The deferred Close also runs, with nothing read, on the return at ${lines(r.unreadReturnRows)}.`;
  }
  return {
    finding: {
      rule: 'undrained-body',
      line: range.startRow,
      startChar: range.startCol,
      endLine: range.endRow,
      endChar: range.endCol,
      message: msg,
      bodyExpr,
      closeKind: r.deferStmt ? 'defer' : 'plain',
      reason: partial ? 'partial-read' : 'never-read',
    },
    closeCall: r.call,
    deferStmt: r.deferStmt,
    bodySel,
  };
}
