/**
 * The h2lens language server: LSP wiring only. Every feature reads one cached analysis per
 * document version (analysisCache.ts); the analysis itself lives in core/.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  MessageType,
  ShowMessageNotification,
  ResponseError,
  LSPErrorCodes,
  ErrorCodes,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCache, treeOf, type CachedAnalysis } from './analysisCache.ts';
import { analyzeStream } from './core/stream.ts';
import { AnalysisCancelled } from './core/steps.ts';
import type { AnalyzeOptions } from './core/analyze.ts';
import { openLogFile } from './fileSource.ts';
import { fileURLToPath } from 'node:url';
import { looksLikeGoHttp2debug } from './core/formats/goHttp2debug.ts';
import { detectText, FORMAT_DESCRIPTIONS, FORMATS, frameLineCounts } from './core/formats/detect.ts';
import { selectProfiles } from './core/rules/profiles.ts';
import type { Severity } from './core/rules/types.ts';
import { toDiagnostic } from './features/diagnostics.ts';
import { crossFileAction, FIX_ALL_KIND, goCodeActions, goDiagnostic, goUnanalysedDiagnostic, scanWorkspaceGo } from './features/goActions.ts';
import { analyzeGoSourceFully } from './core/golang/index.ts';
import { ruleDocsUrl } from './core/rules/types.ts';
import { CodeActionKind } from 'vscode-languageserver/node';
import { hover } from './features/hover.ts';
import { definition, documentSymbols, references } from './features/navigation.ts';
import {
  FormatsRequest,
  SetFormatNotification,
  AnalyseFileProgressNotification,
  AnalyseFileRequest,
  AnalysisChangedNotification,
  ConnectionsRequest,
  FindStreamsRequest,
  FrameAtRequest,
  FramesRequest,
  StreamsRequest,
  StreamSummaryRequest,
  type AnalysisSummary,
} from './protocol.ts';

const connection = createConnection(ProposedFeatures.all);
const UNDRAINED = 'undrained-body';
const documents = new TextDocuments(TextDocument);
const cache = new AnalysisCache();
/** Rule docs ship with the extension: dist/server.js → docs/rules.md. */
const docsBase = pathToFileURL(resolve(__dirname, '..', 'docs', 'rules.md')).href;

interface Settings {
  peerProfiles: string[];
  rules: Record<string, { severity?: Severity | 'off' } & Record<string, unknown>>;
  goScan: { maxFiles: number };
  maxProblems: number;
  /** `auto`, or a format name forced for every HTTP/2 document. */
  format: string;
}
const DEFAULT_SETTINGS: Settings = { peerProfiles: [], rules: {}, goScan: { maxFiles: 5000 }, maxProblems: 1000, format: 'auto' };
/** Analyses of files read from disk (not open, or too big for the editor to hand over). */
const diskAnalyses = new Map<string, CachedAnalysis>();
let settings: Settings = DEFAULT_SETTINGS;
let workspaceFolders: string[] = [];

function normalizeSettings(s: Partial<Settings> | null | undefined): Settings {
  const maxFiles = Number(s?.goScan?.maxFiles);
  return {
    peerProfiles: Array.isArray(s?.peerProfiles) ? s.peerProfiles : [],
    rules: s?.rules && typeof s.rules === 'object' ? s.rules : {},
    goScan: { maxFiles: Number.isFinite(maxFiles) && maxFiles > 0 ? Math.floor(maxFiles) : DEFAULT_SETTINGS.goScan.maxFiles },
    maxProblems: Number.isFinite(Number(s?.maxProblems)) && Number(s?.maxProblems) > 0 ? Math.floor(Number(s?.maxProblems)) : DEFAULT_SETTINGS.maxProblems,
    format: typeof s?.format === 'string' && (s.format === 'auto' || (FORMATS as readonly string[]).includes(s.format)) ? s.format : 'auto',
  };
}
let canPullConfiguration = false;
const pending = new Map<string, NodeJS.Timeout>();
/** Documents whose "nothing to show" message was already shown, so it is said once. */
const told = new Set<string>();

/** Languages whose documents are analysed when their content is HTTP/2 output (never by name alone). */
const SNIFFED_LANGUAGES = new Set(['log', 'plaintext', 'json', 'jsonc', 'jsonl', 'xml']);
const sniffCache = new Map<string, { version: number; result: boolean }>();
/** Per-document format chosen by the user (command "Set Log Format"). */
const formatOverrides = new Map<string, string>();

function isHttp2Document(doc: TextDocument): boolean {
  if (doc.languageId === 'h2log' || formatOverrides.has(doc.uri)) return true;
  if (!SNIFFED_LANGUAGES.has(doc.languageId)) return false;
  const hit = sniffCache.get(doc.uri);
  if (hit && hit.version === doc.version) return hit.result;
  const text = doc.getText();
  const sample = text.slice(0, 1 << 16);
  let result: boolean;
  if (doc.languageId.startsWith('json') || doc.languageId === 'xml') {
    // A JSON/XML document counts only when it is a capture export (tshark, NetLog, PDML).
    const d = detectText(sample);
    result = 'format' in d && d.format !== 'go-http2debug';
  } else {
    result = looksLikeGoHttp2debug(text) || frameLineCounts(sample).length > 0;
  }
  sniffCache.set(doc.uri, { version: doc.version, result });
  return result;
}

/** Settings → rule context: profiles, `h2lens.rules.<id>.severity` and numeric `h2lens.rules.<id>.<param>`. */
function analyzeOptions(uri?: string): AnalyzeOptions {
  const severity: Record<string, Severity | 'off'> = {};
  const thresholds: Record<string, Record<string, number>> = {};
  for (const [id, r] of Object.entries(settings.rules ?? {})) {
    if (!r || typeof r !== 'object') continue;
    if (r.severity) severity[id] = r.severity;
    for (const [param, value] of Object.entries(r)) {
      if (param !== 'severity' && typeof value === 'number' && Number.isFinite(value)) (thresholds[id] ??= {})[param] = value;
    }
  }
  const format = (uri && formatOverrides.get(uri)) || (settings.format && settings.format !== 'auto' ? settings.format : undefined);
  return { ...(format ? { format } : {}), ctx: { profiles: selectProfiles(settings.peerProfiles), severity, thresholds } };
}

/** The analysis of a document's current version: cached, in flight (awaited), or started now. */
function analysisOf(doc: TextDocument): Promise<CachedAnalysis> {
  return cache.analyzeAsync(doc.uri, doc.version, doc.getText(), analyzeOptions(doc.uri));
}

function summarize(entry: CachedAnalysis, fromDisk = false): AnalysisSummary {
  const a = entry.analysis;
  const shown = Math.min(a.findings.length, settings.maxProblems);
  return {
    ...(shown < a.findings.length ? { shownProblems: shown } : {}),
    ...(fromDisk ? { fromDisk } : {}),
    uri: entry.uri,
    version: entry.version,
    format: a.format ?? null,
    frames: a.trace?.frames.length ?? 0,
    connections: a.trace?.connections.length ?? 0,
    streams: a.trace?.connections.reduce((n, c) => n + c.streams.size, 0) ?? 0,
    findings: a.findings.length,
    errors: a.findings.filter((f) => f.severity === 'error').length,
    warnings: a.findings.filter((f) => f.severity === 'warning').length,
    notes: a.notes,
    ...(a.error ? { error: a.error } : {}),
  };
}

async function validateGo(doc: TextDocument): Promise<void> {
  const ruleSeverity = settings.rules[UNDRAINED]?.severity;
  let diagnostics: ReturnType<typeof goDiagnostic>[] = [];
  if (ruleSeverity !== 'off') {
    try {
      const { findings, unanalysed } = await analyzeGoSourceFully(doc.getText());
      diagnostics = [...findings.map((f) => goDiagnostic(f, docsBase)), ...unanalysed.map((u) => goUnanalysedDiagnostic(u, docsBase))];
    } catch (e) {
      connection.console.error(`h2lens: Go analysis failed for ${doc.uri}: ${String(e)}`);
    }
  }
  if (documents.get(doc.uri)?.version !== doc.version) return;
  void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
}

async function validate(doc: TextDocument): Promise<void> {
  if (doc.languageId === 'go') {
    void validateGo(doc);
    return;
  }
  if (!isHttp2Document(doc)) {
    void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
    return;
  }
  let entry: CachedAnalysis;
  try {
    entry = await analysisOf(doc);
  } catch (e) {
    if (e instanceof AnalysisCancelled) return; // a newer version is being analysed: it publishes
    throw e;
  }
  if (documents.get(doc.uri)?.version !== doc.version) return; // edited meanwhile: the next run publishes
  publishFindings(entry, doc.version);
  const summary = summarize(entry);
  void connection.sendNotification(AnalysisChangedNotification, summary);
  const problem = summary.error ?? (summary.frames === 0 ? summary.notes[summary.notes.length - 1] : undefined);
  if (problem && doc.languageId === 'h2log' && !told.has(doc.uri)) {
    told.add(doc.uri);
    // A notification, not a request: nothing for a client to reject.
    void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `h2lens: ${problem}` });
  }
}

/** Diagnostics for an analysis, the worst first when capped by h2lens.maxProblems. */
function publishFindings(entry: CachedAnalysis, version?: number): void {
  const rank = { error: 0, warning: 1, info: 2, hint: 3 } as const;
  let findings = entry.analysis.findings;
  if (findings.length > settings.maxProblems) findings = [...findings].sort((a, b) => rank[a.severity] - rank[b.severity] || a.line - b.line).slice(0, settings.maxProblems);
  void connection.sendDiagnostics({ uri: entry.uri, ...(version !== undefined ? { version } : {}), diagnostics: findings.map((f) => toDiagnostic(f, entry.uri, docsBase)) });
}

function cancelScheduled(uri: string): void {
  const t = pending.get(uri);
  if (t) clearTimeout(t);
  pending.delete(uri);
}

function schedule(doc: TextDocument, delayMs: number): void {
  cancelScheduled(doc.uri);
  pending.set(doc.uri, setTimeout(() => {
    pending.delete(doc.uri);
    const current = documents.get(doc.uri);
    if (current) void validate(current);
  }, delayMs));
}

/** The analysis for a request: cached for this version, else computed now. */
async function entryFor(uri: string): Promise<CachedAnalysis | undefined> {
  const doc = documents.get(uri);
  if (!doc) return diskAnalyses.get(uri);
  if (!isHttp2Document(doc)) return undefined;
  try {
    return await analysisOf(doc);
  } catch (e) {
    // Superseded by an edit: answer from the newest analysis there is.
    if (e instanceof AnalysisCancelled) return cache.latest(uri);
    throw e;
  }
}

async function loadSettings(): Promise<void> {
  if (!canPullConfiguration) return;
  settings = normalizeSettings((await connection.workspace.getConfiguration('h2lens')) as Partial<Settings> | null);
}

connection.onInitialize((params): InitializeResult => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  workspaceFolders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      documentSymbolProvider: { label: 'HTTP/2 connections' },
      referencesProvider: true,
      definitionProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
    },
    serverInfo: { name: 'h2lens', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  await loadSettings();
  for (const doc of documents.all()) void validate(doc);
});

connection.onDidChangeConfiguration(async (change) => {
  const s = (change.settings as { h2lens?: Partial<Settings> } | undefined)?.h2lens;
  if (s) settings = normalizeSettings(s);
  else await loadSettings();
  cache.clear();
  for (const doc of documents.all()) void validate(doc);
});

// TextDocuments fires onDidChangeContent right after onDidOpen, with the same document: an opened
// document is analysed at once (no timer), only edits are debounced.
let opening: TextDocument | undefined;
documents.onDidOpen((e) => { opening = e.document; });
documents.onDidChangeContent((e) => {
  const opened = e.document === opening;
  opening = undefined;
  if (opened) {
    cancelScheduled(e.document.uri);
    void validate(e.document);
  } else schedule(e.document, 200);
});
documents.onDidClose((e) => {
  cancelScheduled(e.document.uri);
  cache.evict(e.document.uri);
  told.delete(e.document.uri);
  sniffCache.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onHover(async (p) => {
  const entry = await entryFor(p.textDocument.uri);
  return entry ? hover(entry, p.position.line, p.position.character, docsBase) : null;
});
connection.onDocumentSymbol(async (p) => {
  const entry = await entryFor(p.textDocument.uri);
  return entry ? documentSymbols(entry) : [];
});
connection.onReferences(async (p) => {
  const entry = await entryFor(p.textDocument.uri);
  return entry ? references(entry, p.textDocument.uri, p.position.line, p.position.character) : [];
});
connection.onDefinition(async (p) => {
  const entry = await entryFor(p.textDocument.uri);
  return entry ? definition(entry, p.textDocument.uri, p.position.line, p.position.character) : null;
});


connection.onCodeAction(async (p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc) return [];
  if (doc.languageId === 'go') return goCodeActions(doc.uri, doc.getText(), doc.version, p.context.diagnostics, p.context.only);
  // In a log: the findings whose cause is an undrained Go body offer the cross-file fix.
  const fixable = p.context.diagnostics.filter((d) => d.source === 'h2lens' && (d.data as { fix?: string } | undefined)?.fix === 'drain-go-body');
  if (fixable.length === 0 || !isHttp2Document(doc)) return [];
  if (p.context.only && !p.context.only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
  const scan = await scanWorkspaceGo(workspaceFolders, {
    maxFiles: settings.goScan.maxFiles,
    openText: (uri) => {
      const d = documents.get(uri);
      return d ? { text: d.getText(), version: d.version } : undefined;
    },
  });
  return [crossFileAction(scan, fixable, ruleDocsUrl(UNDRAINED, docsBase))];
});

connection.onRequest(AnalyseFileRequest, async (p, token) => {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  const source = await openLogFile(fileURLToPath(p.uri));
  let lastPercent = -1;
  try {
    const analysis = await analyzeStream(source.chunks, {
      ...analyzeOptions(p.uri),
      length: source.length,
      signal: controller.signal,
      onProgress: () => {
        const percent = Math.min(99, Math.floor((source.diskBytes() / Math.max(1, source.size)) * 100));
        if (percent !== lastPercent) {
          lastPercent = percent;
          void connection.sendNotification(AnalyseFileProgressNotification, { uri: p.uri, percent, message: `${(source.diskBytes() / 1048576).toFixed(0)} of ${(source.size / 1048576).toFixed(0)} MB` });
        }
      },
    });
    const entry: CachedAnalysis = { uri: p.uri, version: -1, analysis };
    diskAnalyses.delete(p.uri);
    diskAnalyses.set(p.uri, entry);
    // Bounded: a few big analyses at most stay in memory.
    while (diskAnalyses.size > 4) diskAnalyses.delete(diskAnalyses.keys().next().value!);
    publishFindings(entry);
    const summary = summarize(entry, true);
    void connection.sendNotification(AnalysisChangedNotification, summary);
    return summary;
  } catch (e) {
    if (e instanceof AnalysisCancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'analysis cancelled');
    throw new ResponseError(ErrorCodes.InternalError, `h2lens: cannot analyse ${p.uri}: ${(e as Error).message}`);
  }
});

// The tree view's pages (the client renders them, never parses).
const MAX_PAGE = 5000;
const clampPage = (limit: number): number => Math.max(1, Math.min(MAX_PAGE, Math.floor(limit) || 1));
connection.onRequest(ConnectionsRequest, async (p) => {
  const entry = await entryFor(p.uri);
  return entry ? treeOf(entry).connections() : [];
});
connection.onRequest(StreamsRequest, async (p) => {
  const entry = await entryFor(p.uri);
  return entry ? treeOf(entry).streams(p.connection, Math.max(0, p.offset), clampPage(p.limit), p.onlyProblems === true) : { items: [], total: 0, offset: 0 };
});
connection.onRequest(FramesRequest, async (p) => {
  const entry = await entryFor(p.uri);
  return entry ? treeOf(entry).frames(p.connection, p.stream, Math.max(0, p.offset), clampPage(p.limit)) : { items: [], total: 0, offset: 0 };
});
connection.onRequest(FrameAtRequest, async (p) => {
  const entry = await entryFor(p.uri);
  return (entry && treeOf(entry).frameAtLine(p.line)) ?? null;
});
connection.onRequest(FindStreamsRequest, async (p) => {
  const entry = await entryFor(p.uri);
  return entry ? treeOf(entry).findStreams(p.query) : [];
});
connection.onRequest(StreamSummaryRequest, async (p) => {
  const entry = await entryFor(p.uri);
  return entry ? treeOf(entry).streamSummary(p.connection, p.stream) ?? null : null;
});

connection.onRequest(FormatsRequest, () => FORMATS.map((name) => ({ name, description: FORMAT_DESCRIPTIONS[name] })));
connection.onNotification(SetFormatNotification, (p) => {
  if (p.format && (FORMATS as readonly string[]).includes(p.format)) formatOverrides.set(p.uri, p.format);
  else formatOverrides.delete(p.uri);
  cache.evict(p.uri);
  const doc = documents.get(p.uri);
  if (doc) void validate(doc);
});

// A failed promise must never end the server: log it and go on serving.
process.on('unhandledRejection', (reason) => connection.console.error(`h2lens: ${String(reason)}`));

documents.listen(connection);
connection.listen();
