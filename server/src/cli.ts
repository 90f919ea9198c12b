/**
 * `h2lens check FILE... [--json | --sarif] [--profile NAME] [--format NAME]`
 * Exit status: 0 no error finding, 1 an error finding, 2 bad usage or an unreadable/unrecognised file.
 */
import { basename } from 'node:path';
import { analyzeText } from './core/analyze.ts';
import { FORMATS } from './core/formats/detect.ts';
import { PROFILES, selectProfiles } from './core/rules/profiles.ts';
import { fileReport, type FileReport } from './core/report/summary.ts';
import { renderSarif } from './core/report/sarif.ts';
import { renderText } from './core/report/text.ts';
import exampleLog from './examples/go1.24-undrained-client.log';
import { analyzeGoSourceFully, UNDRAINED_BODY_RULE } from './core/golang/index.ts';
import { analyzeStream } from './core/stream.ts';
import { openLogFile } from './fileSource.ts';
import { readFile } from 'node:fs/promises';
import type { Analysis } from './core/analyze.ts';

const VERSION = '0.1.0';
const EXAMPLE_NAME = 'example: go1.24-undrained-client.log';

const USAGE = `usage: h2lens check [FILE...] [--json | --sarif] [--profile NAME]... [--format NAME]

Analyses HTTP/2 debug logs (Go GODEBUG=http2debug=2 output; .gz is read too) and Go source
files (.go: response bodies closed without being read to EOF), and prints findings compiler-style. With no FILE it analyses an embedded real example: a Go 1.24
client that closed response bodies without reading them.

  --json           one JSON document on stdout
  --sarif          SARIF 2.1.0 on stdout
  --profile NAME   evaluate against this peer profile only (repeatable): ${PROFILES.map((p) => p.id).join(', ')}
  --format NAME    skip sniffing: ${FORMATS.join(', ')}

Exit status: 0 no error finding, 1 at least one error finding, 2 bad usage or unreadable file.`;

class UsageError extends Error {}

interface Options { files: string[]; output: 'text' | 'json' | 'sarif'; profiles: string[]; format?: string }

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') { process.stdout.write(USAGE + '\n'); process.exit(0); }
  if (command === '--version') { process.stdout.write(VERSION + '\n'); process.exit(0); }
  if (command !== 'check') throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  const opts: Options = { files: [], output: 'text', profiles: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') opts.output = 'json';
    else if (a === '--sarif') opts.output = 'sarif';
    else if (a === '--profile') opts.profiles.push(...value().split(','));
    else if (a === '--format') opts.format = value();
    else if (a === '--help' || a === '-h') { process.stdout.write(USAGE + '\n'); process.exit(0); }
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else opts.files.push(a);
  }
  for (const p of opts.profiles) if (!PROFILES.some((x) => x.id === p)) throw new UsageError(`unknown profile "${p}" (known: ${PROFILES.map((x) => x.id).join(', ')})`);
  if (opts.format && !(FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`unknown format "${opts.format}" (known: ${FORMATS.join(', ')})`);
  return opts;
}

/** A progress line on a terminal's stderr, redrawn at most 5 times a second. */
function progressReporter(file: string, total: number, gzip: boolean): ((done: number) => void) | undefined {
  if (!process.stderr.isTTY || total < 8 * 1048576) return undefined;
  let last = 0;
  return (done) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const pct = Math.min(100, Math.round((done / total) * 100));
    const width = 30;
    const bar = '█'.repeat(Math.round((pct / 100) * width)).padEnd(width, '░');
    process.stderr.write(`\r${bar} ${String(pct).padStart(3)}% ${basename(file)} (${(done / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MB${gzip ? ' compressed' : ''})`);
  };
}

async function analyzeFile(file: string, opts: Options, profiles: ReturnType<typeof selectProfiles>): Promise<Analysis> {
  const common = { ...(opts.format ? { format: opts.format } : {}), ctx: { profiles } };
  if (file === '-') return analyzeStream(process.stdin, common);
  const source = await openLogFile(file);
  const progress = progressReporter(file, source.size, source.gzip);
  try {
    return await analyzeStream(source.chunks, { ...common, length: source.length, ...(progress ? { onProgress: () => progress(source.diskBytes()) } : {}) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' || (e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') throw new Error(`cannot decompress: ${(e as Error).message}`);
    throw e;
  } finally {
    if (progress) process.stderr.write('\r\u001b[K');
  }
}

/** Go source: the undrained-body check (the source-side twin of cancelled-response). */
async function analyzeGoFile(text: string): Promise<Analysis> {
  const { findings, unanalysed } = await analyzeGoSourceFully(text);
  return {
    format: 'go-source',
    findings: [
      ...findings.map((f) => ({
        rule: f.rule, severity: 'warning' as const, line: f.line, startChar: f.startChar, endChar: f.endChar,
        message: f.message, related: [], fix: 'drain-go-body' as const,
      })),
      // Said, not silent: a response that could not be followed is not a drained one.
      ...unanalysed.map((u) => ({ rule: UNDRAINED_BODY_RULE, severity: 'info' as const, line: u.line, startChar: u.startChar, endChar: u.endChar, message: u.message, related: [] })),
    ].sort((a, b) => a.line - b.line || a.startChar - b.startChar),
    notes: [],
  };
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`h2lens: ${e.message}\n${USAGE}\n`); return 2; }
    throw e;
  }
  const profiles = selectProfiles(opts.profiles);
  const inputs = opts.files.length ? opts.files : [EXAMPLE_NAME];
  const reports: FileReport[] = [];
  let unreadable = false;
  for (const file of inputs) {
    let analysis: Analysis;
    try {
      if (file === EXAMPLE_NAME) analysis = analyzeText(exampleLog, { ctx: { profiles } });
      else if (file.endsWith('.go') && !opts.format) analysis = await analyzeGoFile(await readFile(file, 'utf8'));
      else analysis = await analyzeFile(file, opts, profiles);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const reason = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
      process.stderr.write(`h2lens: ${file}: ${reason}\n`);
      reports.push(fileReport(file, { error: reason, findings: [], notes: [] }));
      unreadable = true;
      continue;
    }
    if (analysis.format === 'go-source') {
      reports.push(fileReport(file, analysis));
      continue;
    }
    if (analysis.error) {
      process.stderr.write(`h2lens: ${file}: ${analysis.error}\n`);
      unreadable = true;
    } else if ((analysis.trace?.frames.length ?? 0) === 0) {
      process.stderr.write(`h2lens: ${file}: ${analysis.notes[analysis.notes.length - 1]}\n`);
      unreadable = true;
    }
    reports.push(fileReport(file, analysis));
  }
  if (opts.output === 'json') process.stdout.write(JSON.stringify({ files: reports }, null, 2) + '\n');
  else if (opts.output === 'sarif') process.stdout.write(JSON.stringify(renderSarif(reports, VERSION), null, 2) + '\n');
  else process.stdout.write(renderText(reports, process.stdout.isTTY === true && !process.env['NO_COLOR']));
  if (unreadable) return 2;
  return reports.some((r) => r.findings.some((f) => f.severity === 'error')) ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`h2lens: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
