/** Compiler-style text output: `file:line:col: severity rule: message`. */
import type { FileReport } from './summary.ts';

export function renderText(reports: FileReport[], color = false): string {
  const paint = (code: string, s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sevColor: Record<string, string> = { error: '31;1', warning: '33;1', info: '36', hint: '2' };
  const out: string[] = [];
  for (const r of reports) {
    if (r.error) continue;
    for (const f of r.findings) {
      out.push(`${paint('1', `${r.file}:${f.line}:${f.column}:`)} ${paint(sevColor[f.severity] ?? '0', f.severity)} ${paint('2', f.rule)}: ${f.message}`);
      for (const rel of f.related) out.push(`  ${r.file}:${rel.line}: note: ${rel.message}`);
    }
    for (const n of r.notes) out.push(`${r.file}: note: ${n}`);
    const counts = { error: 0, warning: 0, info: 0, hint: 0 } as Record<string, number>;
    for (const f of r.findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const found = Object.entries(counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`).join(', ') || 'no findings';
    const streams = r.connections.reduce((s, c) => s + c.streams, 0);
    if (r.format === 'go-source') {
      out.push(paint('2', `${r.file}: Go source: ${found}`));
      continue;
    }
    out.push(paint('2', `${r.file}: ${r.format}, ${r.role} side, ${r.connections.length} connection${r.connections.length === 1 ? '' : 's'}, ${streams} streams, ${r.frames} frames: ${found}`));
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
