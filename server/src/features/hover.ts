/** Hover on a frame line: the frame explained, then the story of every finding on that line. */
import type { Hover } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { CachedAnalysis } from '../analysisCache.ts';
import { findingsOnLine, frameAt } from '../analysisCache.ts';
import { explainFrame } from '../core/knowledge/explainFrame.ts';
import { ruleById } from '../core/rules/index.ts';
import { ruleDocsUrl } from '../core/rules/types.ts';

export function hover(entry: CachedAnalysis, line: number, character: number, docsBase: string): Hover | null {
  const trace = entry.analysis.trace;
  if (!trace) return null;
  const frame = frameAt(entry, line, character);
  const findings = findingsOnLine(entry, line);
  if (!frame && findings.length === 0) return null;
  const parts: string[] = [];
  for (const f of findings) {
    const rule = ruleById(f.rule);
    const head = `### ${f.severity === 'error' ? '⛔' : f.severity === 'warning' ? '⚠️' : 'ℹ️'} ${rule?.title ?? f.rule} — [\`${f.rule}\`](${ruleDocsUrl(f.rule, docsBase)})`;
    const body = [head, '', f.message];
    if (f.budget?.length) body.push('', '**Budget against real peers**', ...f.budget.map((b) => `- ${b}`));
    if (f.explanation) body.push('', f.explanation);
    parts.push(body.join('\n'));
  }
  if (frame) parts.push(explainFrame(trace, frame));
  const range = frame
    ? { start: { line: frame.line, character: frame.startChar }, end: { line: frame.line, character: frame.endChar } }
    : { start: { line, character: findings[0]!.startChar }, end: { line, character: findings[0]!.endChar } };
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') }, range };
}
