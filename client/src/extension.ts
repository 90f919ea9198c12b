/**
 * The h2lens extension client: starts the language server and shows what it reports.
 * It never parses a log; everything it shows comes from the server.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { AnalyseFileProgressNotification, AnalyseFileRequest, AnalysisChangedNotification, FormatsRequest, SERVER_EXEC_ARGV, SetFormatNotification, type AnalysisSummary } from '../../server/src/protocol.ts';
import { createHash } from 'node:crypto';
import { exportCapture, TsharkMissing } from '../../server/src/capture.ts';
import { ConnectionsProvider, type Node } from './tree/connectionsView.ts';

const SNIFFED_LANGUAGES = new Set(['log', 'plaintext']);

let client: LanguageClient | undefined;
const summaries = new Map<string, AnalysisSummary>();

export interface H2lensApi {
  /** The last analysis summary the server sent for a document. */
  summary(uri: vscode.Uri): AnalysisSummary | undefined;
  /** The Connections view's data, for tests: the same objects the view renders. */
  tree: ConnectionsProvider;
  /** Resolves once the language client is running. */
  ready: Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<H2lensApi> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'h2log' },
      { scheme: 'untitled', language: 'h2log' },
      { scheme: 'file', language: 'log' },
      { scheme: 'file', language: 'plaintext' },
      { scheme: 'untitled', language: 'plaintext' },
      { scheme: 'file', language: 'json' },
      { scheme: 'file', language: 'jsonl' },
      { scheme: 'file', language: 'xml' },
      { scheme: 'file', language: 'go' },
      { scheme: 'untitled', language: 'go' },
    ],
    synchronize: { configurationSection: 'h2lens' },
  };
  client = new LanguageClient('h2lens', vscode.l10n.t('h2lens HTTP/2 language server'), serverOptions, clientOptions);

  const status = vscode.languages.createLanguageStatusItem('h2lens.status', [{ language: 'h2log' }, { language: 'log' }, { language: 'plaintext' }]);
  status.name = vscode.l10n.t('h2lens');
  context.subscriptions.push(status);
  const showStatus = (editor: vscode.TextEditor | undefined): void => {
    const s = editor ? summaries.get(editor.document.uri.toString()) : undefined;
    if (!s) {
      status.text = vscode.l10n.t('HTTP/2: not analysed');
      status.detail = undefined;
      status.severity = vscode.LanguageStatusSeverity.Information;
      return;
    }
    if (s.error || s.frames === 0) {
      status.text = vscode.l10n.t('HTTP/2: nothing to analyse');
      status.detail = s.error ?? s.notes[s.notes.length - 1];
      status.severity = vscode.LanguageStatusSeverity.Warning;
      return;
    }
    status.text = vscode.l10n.t('{0}: {1} frames, {2} connections', s.format ?? '?', s.frames.toLocaleString(), s.connections);
    status.detail = s.shownProblems !== undefined
      ? vscode.l10n.t('{0} streams · {1} errors · {2} warnings · {3} of {4} findings shown (h2lens.maxProblems)', s.streams, s.errors, s.warnings, s.shownProblems, s.findings)
      : vscode.l10n.t('{0} streams · {1} errors · {2} warnings', s.streams, s.errors, s.warnings);
    status.severity = s.errors > 0 ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    status.command = { title: vscode.l10n.t('Show problems'), command: 'workbench.actions.view.problems' };
  };

  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(showStatus),
    vscode.workspace.onDidCloseTextDocument((d) => summaries.delete(d.uri.toString())),
  );

  const tree = new ConnectionsProvider(client);
  const view = vscode.window.createTreeView('h2lens.connections', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(tree, view);
  /** The analysis changed while the view was hidden: refresh when it shows again. */
  let stale = false;
  const isLog = (doc: vscode.TextDocument | undefined): boolean => {
    const s = doc && summaries.get(doc.uri.toString());
    return s !== undefined && s.frames > 0;
  };
  const follow = (editor: vscode.TextEditor | undefined): void => {
    const active = isLog(editor?.document);
    void vscode.commands.executeCommand('setContext', 'h2lens.activeLog', active || tree.uri !== undefined);
    // Keep showing the last log while a non-log editor (e.g. the Go code) is active.
    if (active) tree.show(editor!.document.uri.toString());
  };
  let selectionTimer: NodeJS.Timeout | undefined;
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(follow),
    view.onDidChangeVisibility((e) => {
      if (e.visible && stale) { stale = false; tree.refresh(); }
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (!view.visible || e.textEditor.document.uri.toString() !== tree.uri) return;
      if (selectionTimer) clearTimeout(selectionTimer);
      selectionTimer = setTimeout(() => void tree.revealLine(view, e.selections[0]!.active.line), 150);
    }),
    vscode.commands.registerCommand('h2lens.revealLine', async (uri: string, line: number) => {
      const editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preserveFocus: false, preview: true });
      const range = editor.document.lineAt(Math.min(line, editor.document.lineCount - 1)).range;
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }),
    vscode.commands.registerCommand('h2lens.showMore', (node: Node) => node.kind === 'more' && tree.showMore(node)),
    vscode.commands.registerCommand('h2lens.refreshConnections', () => tree.refresh()),
    vscode.commands.registerCommand('h2lens.showOnlyProblems', () => setFilter(true)),
    vscode.commands.registerCommand('h2lens.showAllStreams', () => setFilter(false)),
    vscode.commands.registerCommand('h2lens.copyStreamSummary', async (node: Node) => {
      const text = await tree.streamSummary(node);
      if (text) {
        await vscode.env.clipboard.writeText(text);
        void vscode.window.setStatusBarMessage(vscode.l10n.t('Stream summary copied'), 3000);
      }
    }),
    vscode.commands.registerCommand('h2lens.findStream', () => findStream(tree, view)),
    vscode.commands.registerCommand('h2lens.setFormat', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const formats = await client!.sendRequest(FormatsRequest);
      const auto = vscode.l10n.t('Detect from the content');
      const pick = await vscode.window.showQuickPick(
        [{ label: auto, name: null as string | null }, ...formats.map((f) => ({ label: f.name, description: f.description, name: f.name as string | null }))],
        { placeHolder: vscode.l10n.t('Format of {0}', path.basename(editor.document.uri.fsPath)) },
      );
      if (!pick) return;
      const key = editor.document.uri.toString();
      const overrides = context.workspaceState.get<Record<string, string>>('h2lens.formats', {});
      if (pick.name) overrides[key] = pick.name;
      else delete overrides[key];
      await context.workspaceState.update('h2lens.formats', overrides);
      await client!.sendNotification(SetFormatNotification, { uri: key, format: pick.name });
    }),
    vscode.commands.registerCommand('h2lens.openCapture', (uri?: vscode.Uri) => openCapture(context, uri ?? activeTabUri())),
    vscode.commands.registerCommand('h2lens.analyseFromDisk', (uri?: vscode.Uri) => analyseFromDisk(uri ?? activeTabUri())),
    vscode.window.tabGroups.onDidChangeTabs(() => void offerDiskAnalysis()),
    vscode.commands.registerCommand('h2lens.openDocs', (url: string) => vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(url))),
  );
  /** Progress reporters of running disk analyses, by URI. */
  const progressByUri = new Map<string, (percent: number, message: string) => void>();
  const analyseFromDisk = async (uri: vscode.Uri | undefined): Promise<void> => {
    if (!uri || uri.scheme !== 'file') {
      void vscode.window.showInformationMessage(vscode.l10n.t('Choose a log file on disk to analyse.'));
      return;
    }
    const key = uri.toString();
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('h2lens: analysing {0}', path.basename(uri.fsPath)), cancellable: true }, async (progress, token) => {
      let last = 0;
      progressByUri.set(key, (percent, message) => {
        progress.report({ increment: percent - last, message });
        last = percent;
      });
      try {
        const s = await client!.sendRequest(AnalyseFileRequest, { uri: key }, token);
        if (s.error) void vscode.window.showWarningMessage(vscode.l10n.t('h2lens: {0}', s.error));
        else if (s.shownProblems !== undefined) {
          void vscode.window.showInformationMessage(vscode.l10n.t('h2lens: {0} findings; the Problems panel shows the worst {1} (setting h2lens.maxProblems).', s.findings, s.shownProblems));
        }
        tree.show(key);
        void vscode.commands.executeCommand('setContext', 'h2lens.activeLog', true);
      } catch (e) {
        if (!token.isCancellationRequested) void vscode.window.showErrorMessage(vscode.l10n.t('h2lens: {0}', (e as Error).message));
      } finally {
        progressByUri.delete(key);
      }
    });
  };
  /** Files over the editor's sync limit never reach the language server: offer to read them from disk. */
  const offered = new Set<string>();
  const offerDiskAnalysis = async (): Promise<void> => {
    const uri = activeTabUri();
    if (!uri || uri.scheme !== 'file' || offered.has(uri.toString())) return;
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    let size: number;
    try {
      size = (await vscode.workspace.fs.stat(uri)).size;
    } catch {
      return;
    }
    const limit = vscode.workspace.getConfiguration('h2lens').get<number>('largeFileThresholdMB', 50) * 1048576;
    if (size < limit) return;
    offered.add(uri.toString());
    if (vscode.workspace.getConfiguration('h2lens').get<boolean>('analyseLargeFilesAutomatically', false)) {
      await analyseFromDisk(uri);
      return;
    }
    const action = vscode.l10n.t('Analyse from disk');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('{0} is {1} MB, over the editor\'s limit for extensions: h2lens can read it from disk.', path.basename(uri.fsPath), Math.round(size / 1048576)),
      action,
    );
    if (choice === action) await analyseFromDisk(uri);
  };

  const setFilter = (on: boolean): void => {
    tree.onlyProblems = on;
    void vscode.commands.executeCommand('setContext', 'h2lens.onlyProblems', on);
    tree.refresh();
  };

  const ready = client.start().then(() => {
    // Formats chosen in earlier sessions.
    for (const [uri, format] of Object.entries(context.workspaceState.get<Record<string, string>>('h2lens.formats', {}))) {
      void client!.sendNotification(SetFormatNotification, { uri, format });
    }
    context.subscriptions.push(client!.onNotification(AnalyseFileProgressNotification, (p) => progressByUri.get(p.uri)?.(p.percent, p.message)));
    context.subscriptions.push(client!.onNotification(AnalysisChangedNotification, async (s) => {
      summaries.set(s.uri, s);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === s.uri);
      if (vscode.window.activeTextEditor?.document.uri.toString() === s.uri) {
        showStatus(vscode.window.activeTextEditor);
        follow(vscode.window.activeTextEditor);
      }
      if (s.uri === tree.uri) {
        if (view.visible) tree.refresh();
        else stale = true;
      }
      // VS Code's own `log` language owns .log files: give HTTP/2 output its colours once the server recognised it.
      if (doc && s.frames > 0 && SNIFFED_LANGUAGES.has(doc.languageId) && vscode.workspace.getConfiguration('h2lens').get<boolean>('switchLanguage', true)) {
        await vscode.languages.setTextDocumentLanguage(doc, 'h2log');
      }
    }));
  });
  context.subscriptions.push({ dispose: () => void client?.stop() });
  await ready;
  showStatus(vscode.window.activeTextEditor);
  return { summary: (uri) => summaries.get(uri.toString()), tree, ready };
}

/**
 * "Open capture in h2lens": tshark exports the pcap/pcapng (TLS key log from the setting or beside
 * the capture; h2c ports from the setting) into extension storage; the export opens in the editor,
 * where the server analyses it like any tshark JSON. Runs a program, so trusted workspaces only.
 */
async function openCapture(context: vscode.ExtensionContext, uri: vscode.Uri | undefined): Promise<void> {
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showInformationMessage(vscode.l10n.t('Choose a .pcap or .pcapng capture on disk.'));
    return;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Opening a capture runs tshark: trust this workspace first.'));
    return;
  }
  const config = vscode.workspace.getConfiguration('h2lens');
  const dir = vscode.Uri.joinPath(context.globalStorageUri, 'captures');
  await vscode.workspace.fs.createDirectory(dir);
  const id = createHash('sha256').update(uri.fsPath).digest('hex').slice(0, 12);
  const out = vscode.Uri.joinPath(dir, `${path.basename(uri.fsPath)}.${id}.tshark.json`);
  const tsharkPath = config.get<string>('tsharkPath') || undefined;
  const keyLogFile = config.get<string>('tlsKeyLogFile') || undefined;
  const h2cPorts = config.get<number[]>('h2cPorts', []);
  const done = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('h2lens: tshark is decoding {0}', path.basename(uri.fsPath)), cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      try {
        await exportCapture(uri.fsPath, out.fsPath, { ...(tsharkPath ? { tsharkPath } : {}), ...(keyLogFile ? { keyLogFile } : {}), h2cPorts }, controller.signal);
        return true;
      } catch (e) {
        if (token.isCancellationRequested) return false;
        if (e instanceof TsharkMissing) void vscode.window.showErrorMessage(e.message);
        else void vscode.window.showErrorMessage(vscode.l10n.t('h2lens: {0}', (e as Error).message));
        return false;
      }
    },
  );
  if (!done) return;
  const size = (await vscode.workspace.fs.stat(out)).size;
  const limit = config.get<number>('largeFileThresholdMB', 50) * 1048576;
  if (size >= limit) await vscode.commands.executeCommand('h2lens.analyseFromDisk', out);
  else await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(out));
}

/** The file of the active editor tab, also when VS Code did not hand its text to extensions. */
function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputText ? input.uri : vscode.window.activeTextEditor?.document.uri;
}

/** "Find stream…": by id or path, live as the user types; jumps to the stream's opening line. */
async function findStream(tree: ConnectionsProvider, view: vscode.TreeView<Node>): Promise<void> {
  if (!tree.uri) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open an HTTP/2 log first.'));
    return;
  }
  type Pick = vscode.QuickPickItem & { connection: string; stream: number; line: number };
  const pick = vscode.window.createQuickPick<Pick>();
  pick.placeholder = vscode.l10n.t('Stream id or path, e.g. 13 or /api/users');
  let query = 0;
  pick.onDidChangeValue(async (value) => {
    const mine = ++query;
    if (!value.trim()) { pick.items = []; return; }
    pick.busy = true;
    const found = await tree.findStreams(value);
    if (mine !== query) return; // a newer query is under way
    pick.busy = false;
    pick.items = found.map((s) => ({
      label: vscode.l10n.t('stream {0}', s.id),
      description: [s.method, s.path, s.status ? `→ ${s.status}` : ''].filter(Boolean).join(' '),
      detail: `${s.outcomeText}${s.problem ? ` · ${s.problem.rule}` : ''}`,
      alwaysShow: true,
      connection: s.connection,
      stream: s.id,
      line: s.line,
    }));
  });
  pick.onDidAccept(async () => {
    const chosen = pick.selectedItems[0];
    pick.hide();
    if (!chosen) return;
    await vscode.commands.executeCommand('h2lens.revealLine', tree.uri, chosen.line);
    const node = await tree.streamNode(chosen.connection, chosen.stream);
    if (node && view.visible) await view.reveal(node, { select: true, focus: false, expand: true });
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
