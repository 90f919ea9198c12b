/** Per-file summary shared by the JSON, SARIF and text reports (the CLI JSON contract). */
import { frameTypeName } from '../model/frame.ts';
import type { Analysis } from '../analyze.ts';
import type { Severity } from '../rules/types.ts';

export interface FileReport {
  file: string;
  format: string | null;
  role: string;
  frames: number;
  frameCounts: Record<string, number>;
  connections: Array<{ id: string; role: string; peer?: string; streams: number; frames: number }>;
  findings: Array<{
    rule: string;
    severity: Severity;
    line: number;
    column: number;
    connection?: string;
    stream?: number;
    message: string;
    related: Array<{ line: number; message: string }>;
  }>;
  notes: string[];
  error?: string;
}

export function fileReport(file: string, a: Analysis): FileReport {
  const trace = a.trace;
  const frameCounts: Record<string, number> = {};
  const roles = new Set<string>();
  for (const f of trace?.frames ?? []) {
    const name = f.typeName || frameTypeName(f.type);
    frameCounts[name] = (frameCounts[name] ?? 0) + 1;
  }
  for (const c of trace?.connections ?? []) roles.add(c.role);
  const report: FileReport = {
    file,
    format: a.format ?? null,
    role: roles.size === 1 ? [...roles][0]! : roles.size === 0 ? 'unknown' : 'mixed',
    frames: trace?.frames.length ?? 0,
    frameCounts,
    connections: (trace?.connections ?? []).map((c) => ({
      id: c.id, role: c.role, ...(c.peer ? { peer: c.peer } : {}), streams: c.streams.size, frames: c.frames.length,
    })),
    findings: a.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      line: f.line + 1,
      column: f.startChar + 1,
      ...(f.connection !== undefined ? { connection: f.connection } : {}),
      ...(f.stream !== undefined ? { stream: f.stream } : {}),
      message: f.message,
      related: f.related.map((r) => ({ line: r.line + 1, message: r.message })),
    })),
    notes: a.notes,
  };
  if (a.error) report.error = a.error;
  return report;
}
