/**
 * The one entry point of the analysis core: text → format → frames → trace → findings.
 * Used by the language server and the CLI alike.
 */
import { detectText, textEndOfFileNote } from './formats/detect.ts';
import { TEXT_PARSERS } from './formats/registry.ts';
import type { ParsedLog } from './model/frame.ts';
import type { Trace } from './model/trace.ts';
import { buildTraceSteps } from './model/trace.ts';
import { runSteps, runStepsAsync, type Steps } from './steps.ts';
import { runRulesSteps } from './rules/index.ts';
import { PROFILES } from './rules/profiles.ts';
import type { Finding, RuleContext } from './rules/types.ts';
import { formatNumber } from './numberText.ts';

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

/**
 * One parser per format (formats/registry.ts; the list of names is detect.ts's FORMATS). Each is
 * wrapped so that what sniffing found out (e.g. "this file mixes two log formats") reaches the notes.
 */
const PARSERS: Record<string, (text: string) => ParsedLog> = Object.fromEntries(
  Object.entries(TEXT_PARSERS).map(([format, parse]) => [format, (text: string): ParsedLog => {
    const parsed = parse(text);
    const sniffed = detectText(text);
    if ('format' in sniffed && sniffed.format === parsed.format && sniffed.notes) parsed.notes.unshift(...sniffed.notes);
    return parsed;
  }]),
);

export function analyzeText(text: string, opts: AnalyzeOptions = {}): Analysis {
  const detected = detectText(text, opts.format);
  if ('error' in detected) return { error: detected.error, findings: [], notes: [] };
  const parse = PARSERS[detected.format]!;
  const parsed = parse(text);
  const end = textEndOfFileNote(parsed.format, detected, opts.format, text);
  if (end) parsed.notes.push(end);
  return analyzeParsed(parsed, opts);
}

/** Parsed frames → trace → findings (shared by the text and the streaming entry points). */
export function analyzeParsed(parsed: ParsedLog, opts: AnalyzeOptions = {}): Analysis {
  return runSteps(analyzeParsedSteps(parsed, opts));
}

/**
 * analyzeParsed, letting the event loop run every few tens of thousands of frames (the language
 * server's entry points): the trace and the rules of a 250 MB log take more than a second.
 */
export function analyzeParsedAsync(parsed: ParsedLog, opts: AnalyzeOptions = {}, signal?: AbortSignal): Promise<Analysis> {
  return runStepsAsync(analyzeParsedSteps(parsed, opts), signal);
}

function* analyzeParsedSteps(parsed: ParsedLog, opts: AnalyzeOptions): Steps<Analysis> {
  const notes = [...parsed.notes];
  // Parsers of other formats say themselves why they found no frame; Go logs get the how-to.
  if (parsed.frames.length === 0 && (parsed.format === 'go-http2debug' || notes.length === 0)) {
    notes.push(parsed.noFrameNote ?? `No HTTP/2 frame found in ${formatNumber(parsed.lineCount)} lines. For Go, run the program with GODEBUG=http2debug=2 and save its standard error.`);
  }
  const trace = yield* buildTraceSteps(parsed);
  const ctx: RuleContext = { profiles: opts.ctx?.profiles ?? PROFILES, ...(opts.ctx?.severity ? { severity: opts.ctx.severity } : {}), ...(opts.ctx?.thresholds ? { thresholds: opts.ctx.thresholds } : {}) };
  const findings = yield* runRulesSteps(trace, ctx);
  return { format: parsed.format, trace, findings, notes };
}
