/** Findings → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { Finding, Severity } from '../core/rules/types.ts';
import { ruleDocsUrl } from '../core/rules/types.ts';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticData {
  frame?: number;
  fix?: string;
  stream?: number;
  connection?: string;
}

export function toDiagnostic(f: Finding, uri: string, docsBase: string): Diagnostic {
  const related: DiagnosticRelatedInformation[] = f.related.map((r) => ({
    location: { uri, range: { start: { line: r.line, character: r.startChar }, end: { line: r.line, character: r.endChar } } },
    message: r.message,
  }));
  const data: DiagnosticData = {};
  if (f.frame !== undefined) data.frame = f.frame;
  if (f.fix) data.fix = f.fix;
  if (f.stream !== undefined) data.stream = f.stream;
  if (f.connection !== undefined) data.connection = f.connection;
  return {
    range: { start: { line: f.line, character: f.startChar }, end: { line: f.line, character: f.endChar } },
    severity: SEVERITY[f.severity],
    code: f.rule,
    codeDescription: { href: ruleDocsUrl(f.rule, docsBase) },
    source: 'h2lens',
    message: f.message,
    relatedInformation: related,
    data,
  };
}
