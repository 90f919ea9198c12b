/**
 * LSP level: the bundled server (dist/server.js) spoken to over stdio the way VS Code does.
 * Run after `npm run build`.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  PublishDiagnosticsNotification,
  HoverRequest,
  DocumentSymbolRequest,
  ReferencesRequest,
  DefinitionRequest,
  CodeActionRequest,
  DiagnosticSeverity,
  type CodeAction,
  type TextDocumentEdit,
  CancellationTokenSource,
  ShutdownRequest,
  ExitNotification,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Diagnostic,
  type DocumentSymbol,
  type Location,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { nestedDefers } from '../unit/golang/helpers.ts';

const root = resolve(__dirname, '../..');
const fixture = (p: string): string => resolve(root, 'test/fixtures', p);
const EMPTY_CLIENT = fixture('go-undrained-body/go1.24-std-empty/client.log');
const DRAINED_CLIENT = fixture('go-drained-body/go1.24-std-drained/client.log');

let server: ChildProcess;
let conn: ProtocolConnection;
const published = new Map<string, PublishDiagnosticsParams[]>();
const waiters: Array<() => void> = [];

function diagnosticsFor(uri: string, predicate: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
  return new Promise((resolvePromise, reject) => {
    const deadline = setTimeout(() => reject(new Error(`no matching publishDiagnostics for ${uri}`)), timeoutMs);
    const check = (): boolean => {
      const hit = (published.get(uri) ?? []).find(predicate);
      if (hit) { clearTimeout(deadline); resolvePromise(hit); return true; }
      return false;
    };
    const wait = (): void => { if (!check()) waiters.push(wait); };
    wait();
  });
}

function open(uri: string, text: string, languageId = 'h2log', version = 1): void {
  published.delete(uri);
  void conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
}

const lineOf = (text: string, needle: string, from = 0): number => text.split('\n').findIndex((l, i) => i >= from && l.includes(needle));

before(async () => {
  server = spawn(process.execPath, [resolve(root, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  conn = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const list = published.get(p.uri) ?? [];
    list.push(p);
    published.set(p.uri, list);
    for (const w of waiters.splice(0)) w();
  });
  // Like VS Code, answer the server's message requests (no button chosen).
  conn.onRequest('window/showMessageRequest', () => null);
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, workspaceFolders: null });
  assert.equal(init.serverInfo?.name, 'h2lens');
  assert.ok(init.capabilities.hoverProvider);
  await conn.sendNotification(InitializedNotification.type, {});
});

after(async () => {
  await conn.sendRequest(ShutdownRequest.type);
  await conn.sendNotification(ExitNotification.type);
  conn.dispose();
  server.kill();
});

describe('language server over JSON-RPC', () => {
  const text = readFileSync(EMPTY_CLIENT, 'utf8');
  const uri = pathToFileURL(EMPTY_CLIENT).href;

  it('publishes one cancelled-response per client RST_STREAM(CANCEL) of the real Go 1.24 log', async () => {
    open(uri, text);
    const p = await diagnosticsFor(uri);
    const cancelled = p.diagnostics.filter((d) => d.code === 'cancelled-response');
    const truth = JSON.parse(readFileSync(fixture('go-undrained-body/truth.json'), 'utf8')) as { runs: Array<{ name: string; expected: Array<{ finding: string; streams?: number[] }> }> };
    const expected = truth.runs.find((r) => r.name === 'go1.24-std-empty')!.expected.find((e) => e.finding === 'client-rst-stream-cancel')!.streams!;
    assert.equal(cancelled.length, expected.length);
    const lines = text.split('\n');
    for (const d of cancelled) {
      assert.match(lines[d.range.start.line]!, /wrote RST_STREAM stream=\d+ len=4 ErrCode=CANCEL/);
      assert.equal(d.source, 'h2lens');
      assert.equal(d.severity, 2);
      assert.match(d.codeDescription!.href, /docs\/rules\.md#cancelled-response$/);
      const ping = d.relatedInformation!.find((r) => r.message.includes('PING'))!;
      assert.match(lines[ping.location.range.start.line]!, /wrote PING len=8/);
    }
    const streams = cancelled.map((d) => Number(/stream=(\d+)/.exec(lines[d.range.start.line]!)![1])).sort((a, b) => a - b);
    assert.deepEqual(streams, expected);
  });

  it('hovers a RST_STREAM line with the frame, the RFC link, the state change and the story', async () => {
    const line = lineOf(text, 'wrote RST_STREAM stream=13 ');
    const h = (await conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 40 } })) as Hover;
    const md = (h.contents as MarkupContent).value;
    assert.match(md, /RST_STREAM/);
    assert.match(md, /rfc9113#section-6\.4/);
    assert.match(md, /CANCEL/);
    assert.match(md, /→/);
    assert.match(md, /io\.Copy\(io\.Discard, resp\.Body\)/);
    assert.match(md, /Opened at line \d+ by `GET \/empty\/7`/);
  });

  it('lists connections → streams as document symbols', async () => {
    const symbols = (await conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    assert.equal(symbols.length, 1);
    assert.match(symbols[0]!.name, /connection 0xc0000021c0/);
    assert.equal(symbols[0]!.children!.length, 40);
    assert.ok(symbols[0]!.children!.some((c) => /stream 13 GET \/empty\/7 → 200/.test(c.name) && /reset by client \(CANCEL\)/.test(c.detail ?? '')));
  });

  it('finds every frame of a stream as references, and its opening HEADERS as definition', async () => {
    const line = lineOf(text, 'wrote RST_STREAM stream=13 ');
    const refs = (await conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: { line, character: 60 }, context: { includeDeclaration: true } })) as Location[];
    const lines = text.split('\n');
    assert.ok(refs.length >= 4);
    for (const r of refs) assert.match(lines[r.range.start.line]!, /Framer 0x[0-9a-f]+: (wrote|read) \w+ .*stream=13 /);
    const def = (await conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line, character: 60 } })) as Location;
    assert.match(lines[def.range.start.line]!, /wrote HEADERS flags=END_STREAM\|END_HEADERS stream=13 /);
  });

  it('answers the tree view\'s paged requests', async () => {
    const conns = await conn.sendRequest('h2lens/connections', { uri }) as Array<{ id: string; streams: number }>;
    assert.deepEqual(conns.map((c) => [c.id, c.streams]), [['0xc0000021c0', 40]]);
    const page = await conn.sendRequest('h2lens/streams', { uri, connection: '0xc0000021c0', offset: 10, limit: 5 }) as { items: Array<{ id: number }>; total: number };
    assert.equal(page.total, 40);
    assert.deepEqual(page.items.map((s) => s.id), [21, 23, 25, 27, 29]);
    const frames = await conn.sendRequest('h2lens/frames', { uri, connection: '0xc0000021c0', stream: 13, offset: 0, limit: 1000 }) as { items: Array<{ type: string }> };
    assert.deepEqual(frames.items.map((f) => f.type), ['HEADERS', 'HEADERS', 'DATA', 'RST_STREAM']);
    const line = lineOf(text, 'wrote RST_STREAM stream=13 ');
    const at = await conn.sendRequest('h2lens/frameAt', { uri, line }) as { stream: number; position: number };
    assert.deepEqual([at.stream, at.position], [13, 3]);
  });

  it('analyses a gzip log from disk, then answers tree requests from it; a big one can be cancelled', async () => {
    const gz = pathToFileURL(fixture('floods/go-xnet/ping/client.log.gz')).href;
    const summary = await conn.sendRequest('h2lens/analyseFile', { uri: gz }) as { frames: number; fromDisk: boolean; connections: number };
    assert.equal(summary.fromDisk, true);
    assert.equal(summary.connections, 1);
    assert.ok(summary.frames > 20_000);
    const conns = await conn.sendRequest('h2lens/connections', { uri: gz }) as Array<{ frames: number }>;
    assert.equal(conns[0]!.frames, summary.frames);
    const p = await diagnosticsFor(gz, (x) => x.diagnostics.some((d) => d.code === 'ping-flood'));
    assert.ok(p.diagnostics.length > 0);

    const big = pathToFileURL(fixture('big-log/server.log.gz')).href;
    const source = new CancellationTokenSource();
    const pending = conn.sendRequest('h2lens/analyseFile', { uri: big }, source.token);
    setTimeout(() => source.cancel(), 300);
    await assert.rejects(pending, (e: { code?: number }) => e.code === -32800);
  });

  it('keeps answering while a big document is analysed (the analysis yields)', async () => {
    // A real log repeated to ~40 MB: its analysis takes seconds; a hover elsewhere must not wait for it.
    const big = text.repeat(Math.ceil((40 * 1048576) / text.length));
    const bigUri = 'file:///tmp/big-editor-doc.h2log';
    let bigDone = false;
    const published = diagnosticsFor(bigUri, () => true, 120_000).then(() => { bigDone = true; });
    open(bigUri, big);
    // Long enough for the server to have started on it, short of what its analysis takes.
    await new Promise((r) => setTimeout(r, 50));
    const line = lineOf(text, 'wrote RST_STREAM stream=13 ');
    const h = await conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 40 } });
    assert.ok(h, 'hover answered');
    assert.equal(bigDone, false, 'the hover was answered while the big document was still being analysed');
    await published;
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: bigUri } });
  });

  it('re-analyses on didChange and clears on didClose', async () => {
    // Remove the RST_STREAM line of stream 13: one finding fewer.
    const line = lineOf(text, 'wrote RST_STREAM stream=13 ');
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' }],
    });
    const p = await diagnosticsFor(uri, (x) => x.version === 2);
    assert.equal(p.diagnostics.filter((d: Diagnostic) => d.code === 'cancelled-response').length, 8);
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    const cleared = await diagnosticsFor(uri, (x) => x.diagnostics.length === 0);
    assert.equal(cleared.diagnostics.length, 0);
  });

  it('reports nothing at all on the drained control run', async () => {
    const dUri = pathToFileURL(DRAINED_CLIENT).href;
    open(dUri, readFileSync(DRAINED_CLIENT, 'utf8'));
    const p = await diagnosticsFor(dUri);
    assert.deepEqual(p.diagnostics, []);
  });

  it('sniffs a plaintext/log document by content, and leaves other text alone', async () => {
    const txt = 'file:///tmp/out.txt';
    open(txt, text, 'plaintext');
    const p = await diagnosticsFor(txt);
    assert.equal(p.diagnostics.filter((d) => d.code === 'cancelled-response').length, 9);
    const other = 'file:///tmp/app.log';
    open(other, 'INFO starting\nINFO listening on :8080\n', 'log');
    const q = await diagnosticsFor(other);
    assert.deepEqual(q.diagnostics, []);
  });

  it('survives bad input: empty, binary, JSON, a 50 MB single line, a truncated log', async () => {
    const cases: Array<[string, string]> = [
      ['empty', ''],
      ['binary', '\u0000\u0001\u0002PK\u0003\u0004'.repeat(100)],
      ['json', '{"log": {"events": []}}'],
      ['huge', 'x'.repeat(50 * 1024 * 1024)],
      ['truncated', text.slice(0, Math.floor(text.length / 2) + 17)],
    ];
    for (const [name, body] of cases) {
      const u = `file:///tmp/bad-${name}.h2log`;
      open(u, body);
      const p = await diagnosticsFor(u, () => true, 30_000);
      assert.ok(Array.isArray(p.diagnostics), name);
    }
    // Still alive and answering.
    const h = await conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///tmp/bad-truncated.h2log' }, position: { line: 2, character: 30 } });
    assert.ok(h === null || typeof h === 'object');
  });
});

describe('Go source over JSON-RPC: undrained-body and the drain quick-fix', () => {
  const goPath = fixture('go-undrained-body/client.go');
  const goText = readFileSync(goPath, 'utf8');
  const goUri = pathToFileURL(goPath).href;

  it('flags the closes that do not drain, and offers the quick-fix and fix-all', async () => {
    open(goUri, goText, 'go');
    const p = await diagnosticsFor(goUri);
    const lines = goText.split('\n');
    assert.deepEqual(p.diagnostics.map((d) => lines[d.range.start.line]!.trim()), ['resp.Body.Close()', 'resp.Body.Close()']);
    assert.ok(p.diagnostics.every((d) => d.code === 'undrained-body' && /docs\/rules\.md#undrained-body$/.test(d.codeDescription!.href)));
    const first = p.diagnostics[0]!;
    const actions = (await conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: goUri }, range: first.range, context: { diagnostics: [first] } })) as CodeAction[];
    const fix = actions.find((a) => a.title === 'Drain response body before closing')!;
    assert.ok(fix, actions.map((a) => a.title).join(', '));
    const edits = (fix.edit!.documentChanges![0] as TextDocumentEdit).edits;
    assert.ok(edits.some((e) => e.newText.includes('io.Copy(io.Discard, resp.Body)')));
    assert.ok(actions.some((a) => a.kind === 'source.fixAll.h2lens'));
  });

  it('says which response it could not check (too many paths) instead of staying silent, with no fix (hand-made source)', async () => {
    // Branches nested three deep, each arm registering its own deferred closes: 2^39 defer sequences.
    const u = 'file:///tmp/nested-defers.go';
    open(u, nestedDefers(3), 'go');
    const p = await diagnosticsFor(u);
    assert.equal(p.diagnostics.length, 1);
    const d = p.diagnostics[0]!;
    assert.deepEqual([d.severity, d.code, d.range.start, d.range.end], [DiagnosticSeverity.Information, 'undrained-body', { line: 5, character: 1 }, { line: 5, character: 5 }]);
    assert.match(d.message, /did not check whether resp\.Body is drained/);
    const actions = (await conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    assert.deepEqual(actions, []);
  });

  it('offers the cross-file fix on a cancelled-response in the log, editing the workspace Go file', async () => {
    const logPath = fixture('go-undrained-body/go1.24-std-empty/client.log');
    const logUri = pathToFileURL(logPath).href;
    open(logUri, readFileSync(logPath, 'utf8'));
    const p = await diagnosticsFor(logUri);
    const d = p.diagnostics.find((x) => x.code === 'cancelled-response')!;
    const actions = (await conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: logUri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    const cross = actions.find((a) => a.title.startsWith('Drain response bodies in the Go code'));
    assert.ok(cross, actions.map((a) => a.title).join(', '));
    const changes = cross.edit!.documentChanges as TextDocumentEdit[];
    assert.ok(changes.some((c) => c.textDocument.uri === goUri && c.edits.length > 0), 'edits the open client.go');
  });
});

describe('capture exports and format overrides over JSON-RPC', () => {
  it('analyses a tshark JSON export opened as a json document (the real TLS capture: 20 resets)', async () => {
    const { gunzipSync } = await import('node:zlib');
    const json = gunzipSync(readFileSync(fixture('tshark/tls-hold/export.json.gz'))).toString('utf8');
    const u = 'file:///tmp/export.tshark.json';
    open(u, json, 'json');
    const p = await diagnosticsFor(u);
    assert.equal(p.diagnostics.filter((d) => d.code === 'cancelled-response').length, 20);
    // A JSON document that is not a capture is left alone.
    const other = 'file:///tmp/package.json';
    open(other, '{ "name": "x", "version": "1.0.0" }', 'json');
    assert.deepEqual((await diagnosticsFor(other)).diagnostics, []);
  });

  it('lists the formats and honours a per-document format override', async () => {
    const formats = await conn.sendRequest('h2lens/formats') as Array<{ name: string }>;
    assert.ok(formats.some((f) => f.name === 'tshark-json') && formats.some((f) => f.name === 'go-http2debug'));
    const u = 'file:///tmp/ambiguous.txt';
    open(u, readFileSync(fixture('go-undrained-body/go1.24-std-empty/client.log'), 'utf8'), 'plaintext');
    await diagnosticsFor(u, (x) => x.diagnostics.length === 9);
    published.delete(u);
    await conn.sendNotification('h2lens/setFormat', { uri: u, format: 'nghttp-verbose' });
    const forced = await diagnosticsFor(u);
    assert.equal(forced.diagnostics.length, 0, 'read as nghttp output, the Go log has no frames');
    published.delete(u);
    await conn.sendNotification('h2lens/setFormat', { uri: u, format: null });
    assert.equal((await diagnosticsFor(u)).diagnostics.length, 9);
  });
});
