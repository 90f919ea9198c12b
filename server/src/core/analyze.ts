/**
 * The one entry point of the analysis core: text → format → frames → trace → findings.
 * Used by the language server and the CLI alike.
 */
import { detectText } from './formats/detect.ts';
import { GO_FORMAT, parseGoHttp2debug } from './formats/goHttp2debug.ts';
import type { ParsedLog } from './model/frame.ts';
import type { Trace } from './model/trace.ts';
import { buildTrace } from './model/trace.ts';
import { runRules } from './rules/index.ts';
import { PROFILES } from './rules/profiles.ts';
import type { Finding, RuleContext } from './rules/types.ts';

export interface AnalyzeOptions {
  /** Force a format instead of sniffing. */
  format?: string;
  ctx?: Partial<RuleContext>;
}

export interface Analysis {
  /** Set when the input could not be analysed at all (bad input): a one-line reason. */
  error?: string;
  format?: string;
  trace?: Trace;
  findings: Finding[];
  /** Things worth telling the user (e.g. no frames found, partial logging). */
  notes: string[];
}

const PARSERS: Record<string, (text: string) => ParsedLog> = {
  [GO_FORMAT]: parseGoHttp2debug,
};

export function analyzeText(text: string, opts: AnalyzeOptions = {}): Analysis {
  const detected = detectText(text, opts.format);
  if ('error' in detected) return { error: detected.error, findings: [], notes: [] };
  const parse = PARSERS[detected.format]!;
  return analyzeParsed(parse(text), opts);
}

/** Parsed frames → trace → findings (shared by the text and the streaming entry points). */
export function analyzeParsed(parsed: ParsedLog, opts: AnalyzeOptions = {}): Analysis {
  const notes = [...parsed.notes];
  if (parsed.frames.length === 0) {
    notes.push(`No HTTP/2 frame found in ${parsed.lineCount.toLocaleString('en-US')} lines. For Go, run the program with GODEBUG=http2debug=2 and save its standard error.`);
  }
  const trace = buildTrace(parsed);
  const ctx: RuleContext = { profiles: opts.ctx?.profiles ?? PROFILES, ...(opts.ctx?.severity ? { severity: opts.ctx.severity } : {}) };
  const findings = runRules(trace, ctx);
  return { format: parsed.format, trace, findings, notes };
}
