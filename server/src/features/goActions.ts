/**
 * The Go side of the story: `undrained-body` diagnostics in Go files, the "Drain response body
 * before closing" quick-fix and fix-all, and the log's cross-file action that applies the same
 * edit to every call site in the workspace.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  type CodeAction,
  type Diagnostic,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { analyzeGoSource, drainEdits, type GoFinding, type GoTextEdit, type GoUnanalysed } from '../core/golang/index.ts';
import { ruleDocsUrl } from '../core/rules/types.ts';
import { Queue } from '../core/queue.ts';

export const UNDRAINED_BODY = 'undrained-body';
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.h2lens`;
export const DRAIN_TITLE = 'Drain response body before closing';

type GoRange = Pick<GoFinding, 'line' | 'startChar' | 'endLine' | 'endChar'>;

function goRuleDiagnostic(at: GoRange, message: string, severity: DiagnosticSeverity, docsBase: string): Diagnostic {
  return {
    range: { start: { line: at.line, character: at.startChar }, end: { line: at.endLine, character: at.endChar } },
    severity,
    code: UNDRAINED_BODY,
    codeDescription: { href: ruleDocsUrl(UNDRAINED_BODY, docsBase) },
    source: 'h2lens',
    message,
  };
}

export function goDiagnostic(f: GoFinding, docsBase: string): Diagnostic {
  return { ...goRuleDiagnostic(f, f.message, DiagnosticSeverity.Warning, docsBase), data: { fix: 'drain-go-body' } };
}

/** A response the analysis could not follow to the end (see docs/rules.md, undrained-body, Limits): information, no fix. */
export function goUnanalysedDiagnostic(u: GoUnanalysed, docsBase: string): Diagnostic {
  return goRuleDiagnostic(u, u.message, DiagnosticSeverity.Information, docsBase);
}

const toTextEdit = (e: GoTextEdit): TextEdit => ({
  range: { start: { line: e.startLine, character: e.startChar }, end: { line: e.endLine, character: e.endChar } },
  newText: e.newText,
});

const sameStart = (d: Diagnostic, f: GoFinding): boolean => d.range.start.line === f.line && d.range.start.character === f.startChar;

/** Quick-fixes for the undrained-body diagnostics in the request, and the file's fix-all. */
export async function goCodeActions(uri: string, text: string, version: number, diagnostics: Diagnostic[], only: string[] | undefined): Promise<CodeAction[]> {
  const findings = await analyzeGoSource(text);
  if (findings.length === 0) return [];
  const actions: CodeAction[] = [];
  const wantsQuickFix = !only || only.some((k) => CodeActionKind.QuickFix.startsWith(k) || k.startsWith(CodeActionKind.QuickFix));
  const wantsFixAll = !only || only.some((k) => FIX_ALL_KIND.startsWith(k));
  const edit = async (subset: GoFinding[]): Promise<WorkspaceEdit> => ({
    documentChanges: [{ textDocument: { uri, version }, edits: (await drainEdits(text, subset)).map(toTextEdit) }],
  });
  if (wantsQuickFix) {
    for (const d of diagnostics) {
      if (d.code !== UNDRAINED_BODY) continue;
      const f = findings.find((x) => sameStart(d, x));
      if (!f) continue;
      actions.push({ title: DRAIN_TITLE, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: await edit([f]) });
    }
    if (actions.length > 0 && findings.length > 1) {
      actions.push({ title: `Drain all ${findings.length} response bodies in this file`, kind: CodeActionKind.QuickFix, edit: await edit(findings) });
    }
  }
  if (wantsFixAll) actions.push({ title: 'Drain all response bodies in this file (h2lens)', kind: FIX_ALL_KIND, edit: await edit(findings) });
  return actions;
}

export interface ScanOptions {
  maxFiles: number;
  /** Open documents: their (possibly unsaved) text wins over the file on disk. */
  openText: (uri: string) => { text: string; version: number } | undefined;
}

export interface ScanResult {
  /** Per file: its findings and the edits that drain them. */
  files: Array<{ uri: string; version: number | null; findings: GoFinding[]; edits: GoTextEdit[] }>;
  scanned: number;
  /** The scan stopped at maxFiles. */
  truncated: boolean;
}

const SKIP_DIRS = new Set(['vendor', 'node_modules', '.git', 'testdata', '.hg', '.svn', 'third_party']);

/** Go's convention for generated files (go help generate): never edit them. */
const isGenerated = (text: string): boolean => /^\/\/ Code generated .* DO NOT EDIT\.$/m.test(text.slice(0, 4096));

/** Walk workspace folders for .go files, breadth-first, bounded. */
async function* goFiles(roots: string[], maxFiles: number): AsyncGenerator<string> {
  const queue = new Queue<string>();
  for (const root of roots) queue.push(root);
  let yielded = 0;
  while (queue.length > 0) {
    const dir = queue.shift();
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) queue.push(join(dir, e.name));
      } else if (e.isFile() && e.name.endsWith('.go') && !e.name.endsWith('_test.go')) {
        if (yielded++ >= maxFiles) return;
        yield join(dir, e.name);
      }
    }
  }
}

/** Cache of per-file results keyed by mtime, so repeated code-action requests stay cheap. */
const fileCache = new Map<string, { mtimeMs: number; findings: GoFinding[]; edits: GoTextEdit[] }>();

export async function scanWorkspaceGo(folders: string[], opts: ScanOptions): Promise<ScanResult> {
  const files: ScanResult['files'] = [];
  let scanned = 0;
  const roots = folders.map((f) => (f.startsWith('file:') ? fileURLToPath(f) : f));
  for await (const path of goFiles(roots, opts.maxFiles + 1)) {
    if (scanned >= opts.maxFiles) return { files, scanned, truncated: true };
    scanned++;
    const uri = pathToFileURL(path).href;
    const open = opts.openText(uri);
    let findings: GoFinding[];
    let edits: GoTextEdit[];
    if (open) {
      if (isGenerated(open.text)) continue;
      findings = await analyzeGoSource(open.text);
      edits = findings.length ? await drainEdits(open.text, findings) : [];
    } else {
      let stat;
      try {
        stat = await fs.stat(path);
      } catch {
        continue;
      }
      const hit = fileCache.get(path);
      if (hit && hit.mtimeMs === stat.mtimeMs) {
        findings = hit.findings;
        edits = hit.edits;
      } else {
        const text = await fs.readFile(path, 'utf8');
        if (isGenerated(text)) continue;
        findings = await analyzeGoSource(text);
        edits = findings.length ? await drainEdits(text, findings) : [];
        fileCache.set(path, { mtimeMs: stat.mtimeMs, findings, edits });
      }
    }
    if (findings.length) files.push({ uri, version: open ? open.version : null, findings, edits });
  }
  return { files, scanned, truncated: false };
}

/** The log's action: drain every flagged call site in the workspace, as one undoable edit. */
export function crossFileAction(scan: ScanResult, diagnostics: Diagnostic[], docsUrl: string): CodeAction {
  const places = scan.files.reduce((n, f) => n + f.findings.length, 0);
  if (places === 0) {
    return {
      title: scan.truncated
        ? `No undrained response body found in the first ${scan.scanned} Go files (h2lens.goScan.maxFiles): open the docs`
        : `No undrained response body found in the workspace's Go code (${scan.scanned} files): open the docs`,
      kind: CodeActionKind.QuickFix,
      diagnostics,
      command: { title: 'Open the rule docs', command: 'h2lens.openDocs', arguments: [docsUrl] },
    };
  }
  const edit: WorkspaceEdit = {
    documentChanges: scan.files.map((f) => ({ textDocument: { uri: f.uri, version: f.version }, edits: f.edits.map(toTextEdit) })),
  };
  return {
    title: `Drain response bodies in the Go code (${places} place${places === 1 ? '' : 's'} in ${scan.files.length} file${scan.files.length === 1 ? '' : 's'})`,
    kind: CodeActionKind.QuickFix,
    diagnostics,
    isPreferred: true,
    edit,
  };
}
