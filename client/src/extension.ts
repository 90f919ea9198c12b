/**
 * The h2lens extension client: starts the language server and shows what it reports.
 * It never parses a log; everything it shows comes from the server.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { AnalysisChangedNotification, type AnalysisSummary } from '../../server/src/protocol.ts';

const SNIFFED_LANGUAGES = new Set(['log', 'plaintext']);

let client: LanguageClient | undefined;
const summaries = new Map<string, AnalysisSummary>();

export interface H2lensApi {
  /** The last analysis summary the server sent for a document. */
  summary(uri: vscode.Uri): AnalysisSummary | undefined;
  /** Resolves once the language client is running. */
  ready: Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<H2lensApi> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'h2log' },
      { scheme: 'untitled', language: 'h2log' },
      { scheme: 'file', language: 'log' },
      { scheme: 'file', language: 'plaintext' },
      { scheme: 'untitled', language: 'plaintext' },
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
    status.detail = vscode.l10n.t('{0} streams · {1} errors · {2} warnings', s.streams, s.errors, s.warnings);
    status.severity = s.errors > 0 ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    status.command = { title: vscode.l10n.t('Show problems'), command: 'workbench.actions.view.problems' };
  };

  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(showStatus),
    vscode.workspace.onDidCloseTextDocument((d) => summaries.delete(d.uri.toString())),
  );

  const ready = client.start().then(() => {
    context.subscriptions.push(client!.onNotification(AnalysisChangedNotification, async (s) => {
      summaries.set(s.uri, s);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === s.uri);
      if (vscode.window.activeTextEditor?.document.uri.toString() === s.uri) showStatus(vscode.window.activeTextEditor);
      // VS Code's own `log` language owns .log files: give HTTP/2 output its colours once the server recognised it.
      if (doc && s.frames > 0 && SNIFFED_LANGUAGES.has(doc.languageId) && vscode.workspace.getConfiguration('h2lens').get<boolean>('switchLanguage', true)) {
        await vscode.languages.setTextDocumentLanguage(doc, 'h2log');
      }
    }));
  });
  context.subscriptions.push({ dispose: () => void client?.stop() });
  await ready;
  showStatus(vscode.window.activeTextEditor);
  return { summary: (uri) => summaries.get(uri.toString()), ready };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
