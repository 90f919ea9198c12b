/**
 * The editor side of `npm run bench`: the bundled language server (dist/server.js) over stdio, the
 * way VS Code speaks to it. Measures (1) opening a 10 MB real log → its diagnostics published,
 * (2) "Analyse from disk" of the 254 MB real log, then the requests a user makes on it afterwards
 * (tree pages, frame at a line, stream summary, hover, references), each the median of repeated
 * calls. Prints numbers; asserts nothing.
 *
 * Run alone, after `npm run -s build`, it measures only (1), to iterate on the open:
 * `node --import tsx test/bench/lsp.ts [--opens N] [log]` (default: the bench's copy of the real log).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
  DidOpenTextDocumentNotification, DidCloseTextDocumentNotification, PublishDiagnosticsNotification, HoverRequest, ReferencesRequest,
  ShutdownRequest, ExitNotification, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { SERVER_EXEC_ARGV, AnalyseFileRequest, ConnectionsRequest, FrameAtRequest, FramesRequest, StreamsRequest, StreamSummaryRequest } from '../../server/src/protocol.ts';

const root = resolve(__dirname, '../..');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The first `bytes` of a file, cut at a line end. */
async function head(file: string, bytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of createReadStream(file, { end: bytes + 65536 })) { parts.push(c as Buffer); n += (c as Buffer).length; }
  const all = Buffer.concat(parts, n);
  return all.subarray(0, all.lastIndexOf(10, bytes) + 1).toString('utf8');
}

export interface LspBenchOptions {
  /** Only the 10 MB open (1), not "Analyse from disk" and the requests (2): for iterating on the open. */
  openOnly?: boolean;
  /** How many times the 10 MB log is opened (default 5). */
  opens?: number;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another server bundle than dist/server.js (to compare two builds). */
  server?: string;
}

export async function lspBench(bigLog: string, lineCount: number, options: LspBenchOptions = {}): Promise<number[]> {
  const server = spawn(process.execPath, [...SERVER_EXEC_ARGV, ...(options.nodeArgs ?? []), options.server ?? resolve(root, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const waiting = new Map<string, (p: PublishDiagnosticsParams) => void>();
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => { waiting.get(p.uri)?.(p); });
  conn.onRequest('window/showMessageRequest', () => null);
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
  await conn.sendNotification(InitializedNotification.type, {});

  // (1) A 10 MB log opened in the editor: didOpen → publishDiagnostics.
  const text = await head(bigLog, 10 * 1048576);
  const openTimes: number[] = [];
  let count = 0;
  const opens = options.opens ?? 5;
  for (let k = 0; k < opens; k++) {
    const uri = `untitled:bench-${k}.log`;
    const published = new Promise<PublishDiagnosticsParams>((r) => waiting.set(uri, r));
    const t0 = performance.now();
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'h2log', version: 1, text } });
    count = (await published).diagnostics.length;
    openTimes.push(performance.now() - t0);
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }
  console.log(`\n## Editor: open a ${fmt(text.length / 1048576)} MB real log → diagnostics published`);
  console.log(`  median ${fmt(median(openTimes), 0)} ms of ${opens} opens (first ${fmt(openTimes[0]!, 0)} ms) · ${count} diagnostics`);
  if (options.openOnly) {
    await stop();
    return openTimes;
  }

  // (2) Analyse from disk, then the requests made on the result.
  const uri = pathToFileURL(bigLog).href;
  // Meanwhile a small log stays open in another editor: its hovers must not wait for the big analysis.
  const smallUri = 'untitled:bench-small.log';
  const smallText = text.slice(0, text.indexOf('\n', 20_000) + 1);
  const smallLine = smallText.split('\n').findIndex((l) => l.includes('http2: Framer '));
  const smallPublished = new Promise<PublishDiagnosticsParams>((r) => waiting.set(smallUri, r));
  await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: smallUri, languageId: 'h2log', version: 1, text: smallText } });
  await smallPublished;
  const t0 = performance.now();
  let analysing = true;
  const analysed = conn.sendRequest(AnalyseFileRequest, { uri }).finally(() => { analysing = false; });
  const waits: number[] = [];
  while (analysing) {
    const t = performance.now();
    await conn.sendRequest(HoverRequest.type, { textDocument: { uri: smallUri }, position: { line: smallLine, character: 40 } });
    waits.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  const summary = await analysed;
  const analyseMs = performance.now() - t0;
  console.log(`\n## Editor: "Analyse from disk" of the ${fmt(summary.connections, 0)}-connection, ${fmt(summary.streams, 0)}-stream log`);
  console.log(`  analysis ${fmt(analyseMs / 1000, 2)} s (in the server, progress notifications on)`);
  console.log(`  meanwhile, hover in another log       median ${fmt(median(waits), 2)} ms · max ${fmt(Math.max(...waits), 2)} ms (${waits.length} calls, one per 20 ms)`);
  const timed = async (name: string, n: number, call: (k: number) => Promise<unknown>): Promise<void> => {
    const xs: number[] = [];
    for (let k = 0; k < n; k++) { const t = performance.now(); await call(k); xs.push(performance.now() - t); }
    console.log(`  ${name.padEnd(38)} median ${fmt(median(xs), 2)} ms · max ${fmt(Math.max(...xs), 2)} ms (${n} calls)`);
  };
  const conns = await conn.sendRequest(ConnectionsRequest, { uri });
  const biggest = [...conns].sort((a, b) => b.streams - a.streams)[0]!;
  const streamsPage = await conn.sendRequest(StreamsRequest, { uri, connection: biggest.id, offset: 0, limit: 1000 });
  await timed('connections', 10, () => conn.sendRequest(ConnectionsRequest, { uri }));
  await timed('streams page (1,000, spread offsets)', 20, (k) => conn.sendRequest(StreamsRequest, { uri, connection: biggest.id, offset: (k * 7919) % Math.max(1, biggest.streams - 1000), limit: 1000 }));
  await timed('frames of a stream', 20, (k) => conn.sendRequest(FramesRequest, { uri, connection: biggest.id, stream: streamsPage.items[k * 37 % streamsPage.items.length]!.id, offset: 0, limit: 1000 }));
  // Lines spread over the whole file: the frame at a line, hover and references there.
  const lines = Array.from({ length: 20 }, (_, k) => Math.floor(((k + 0.5) / 20) * lineCount));
  await timed('frameAt (reveal in tree)', 20, (k) => conn.sendRequest(FrameAtRequest, { uri, line: lines[k]! }));
  await timed('streamSummary', 20, (k) => conn.sendRequest(StreamSummaryRequest, { uri, connection: biggest.id, stream: streamsPage.items[k * 37 % streamsPage.items.length]!.id }));
  await timed('hover', 20, (k) => conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lines[k]!, character: 40 } }));
  await timed('references', 20, (k) => conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: { line: lines[k]!, character: 40 }, context: { includeDeclaration: true } }));

  await stop();
  return openTimes;

  async function stop(): Promise<void> {
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
    conn.dispose();
    // Let the server exit by itself (it writes its --cpu-prof profile then); kill it if it lingers.
    if (server.exitCode !== null) return;
    await new Promise<void>((r) => { const t = setTimeout(() => { server.kill(); r(); }, 5000); server.once('exit', () => { clearTimeout(t); r(); }); });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--opens');
  const opens = at >= 0 ? Number(args.splice(at, 2)[1]) : 5;
  void lspBench(args[0] ?? join(tmpdir(), 'h2lens-bench', 'server.log'), 0, { openOnly: true, opens });
}
