/**
 * The Connections view's data and presentation, built from real fixtures' analyses without VS Code:
 * server-side pages (core/views/tree.ts) rendered by the client's tree model.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText } from '../../server/src/core/analyze.ts';
import { TreeIndex } from '../../server/src/core/views/tree.ts';
import { findingsOnLine } from '../../server/src/analysisCache.ts';
import { PAGE_SIZE, presentConnection, presentConnectionFrames, presentFrame, presentMore, presentStream } from '../../client/src/tree/treeModel.ts';

const fixture = (p: string): string => readFileSync(resolve(__dirname, '../fixtures', p), 'utf8');

describe('Connections view model on the real Go 1.24 undrained client log', () => {
  const index = new TreeIndex(analyzeText(fixture('go-undrained-body/go1.24-std-empty/client.log')));

  it('shows the connection with role, peer, counts, end and worst finding', () => {
    const [c, ...rest] = index.connections();
    assert.equal(rest.length, 0);
    assert.equal(c!.id, '0xc0000021c0');
    assert.equal(c!.role, 'client');
    assert.equal(c!.peer, '127.0.0.1:35443');
    assert.equal(c!.streams, 40);
    assert.equal(c!.problem?.rule, 'cancelled-response');
    assert.equal(c!.problem?.count, 9);
    const p = presentConnection(c!);
    assert.equal(p.label, 'connection 0xc0000021c0');
    assert.match(p.description, /client side · ↔ 127\.0\.0\.1:35443 · 40 streams, 152 frames/);
    assert.match(p.description, /⚠ cancelled-response \(\+8\)/);
    assert.equal(p.iconColor, 'problemsWarningIcon.foreground');
    assert.ok(p.collapsible);
  });

  it('lists streams in id order with request, status, outcome and a problem icon', () => {
    const page = index.streams('0xc0000021c0', 0, 100);
    assert.equal(page.total, 40);
    assert.deepEqual(page.items.map((s) => s.id), Array.from({ length: 40 }, (_, i) => 2 * i + 1));
    const s13 = page.items.find((s) => s.id === 13)!;
    const p = presentStream(s13);
    assert.equal(p.label, 'stream 13 GET /empty/7 → 200');
    assert.match(p.description, /^reset by client \(CANCEL\) · 4 frames · 0 B/);
    assert.equal(p.icon, 'warning');
    assert.equal(p.contextValue, 'h2lens.stream.problem');
    const s3 = presentStream(page.items.find((s) => s.id === 3)!);
    assert.equal(s3.icon, 'pass');
    assert.match(s3.description, /^closed/);
  });

  it('filters to streams with findings', () => {
    const page = index.streams('0xc0000021c0', 0, 100, true);
    assert.deepEqual(page.items.map((s) => s.id), [1, 13, 17, 25, 39, 51, 59, 75, 77]);
  });

  it('lists a stream\'s frames with direction, flags, key field and the finding', () => {
    const frames = index.frames('0xc0000021c0', 13, 0, 100);
    assert.deepEqual(frames.items.map((f) => `${f.direction} ${f.type}`), ['sent HEADERS', 'received HEADERS', 'received DATA', 'sent RST_STREAM']);
    const rst = presentFrame(frames.items[3]!);
    assert.equal(rst.label, '→ RST_STREAM');
    assert.match(rst.description, /len=4 · CANCEL · ⚠ cancelled-response/);
    assert.equal(presentFrame(frames.items[0]!).label, '→ HEADERS [END_STREAM|END_HEADERS]');
    assert.match(presentFrame(frames.items[1]!).description, /:status 200/);
  });

  it('puts SETTINGS, PING, WINDOW_UPDATE under "Connection frames"', () => {
    const c = index.connections()[0]!;
    const frames = index.frames(c.id, 0, 0, 1000);
    assert.equal(frames.total, c.connectionFrames);
    assert.ok(frames.items.every((f) => f.streamId === 0));
    assert.ok(frames.items.some((f) => f.type === 'PING' && f.problem?.rule === 'cancelled-response'), 'the PINGs sent with resets are marked');
    assert.equal(presentConnectionFrames(frames.total).label, 'Connection frames');
  });

  it('maps a cursor line to its frame, and finds streams by id or path', () => {
    const text = fixture('go-undrained-body/go1.24-std-empty/client.log').split('\n');
    const line = text.findIndex((l) => l.includes('wrote RST_STREAM stream=13 '));
    const at = index.frameAtLine(line)!;
    assert.deepEqual({ ...at, index: undefined, position: undefined }, { connection: '0xc0000021c0', stream: 13, index: undefined, position: undefined });
    // Its place in the list the tree shows: the stream's frames (HEADERS, HEADERS, maybe DATA…, then the reset).
    const streamFrames = index.frames(at.connection, 13, 0, 1000).items;
    assert.equal(streamFrames[at.position]!.line, line);
    // Every frame of the log, stream 0 included, is found at its own position.
    const trace = index.trace!;
    for (const f of trace.frames) {
      const a = index.frameAtLine(f.line)!;
      const list = f.streamId === 0 ? trace.connectionById.get(f.connection)!.ownFrames : trace.connectionById.get(f.connection)!.streams.get(f.streamId)!.frames;
      assert.equal(a.position, list.indexOf(a.index));
    }
    assert.equal(index.frameAtLine(line + 1000), undefined);
    assert.deepEqual(index.findStreams('13').map((s) => s.id), [13]);
    assert.deepEqual(index.findStreams('/empty/7').map((s) => s.id), [13]);
  });

  it('finds the findings of a line (for hovers) from an index: the same as filtering them all', () => {
    const entry = { uri: 'untitled:x', version: 1, analysis: index.analysis };
    const lines = fixture('go-undrained-body/go1.24-std-empty/client.log').split('\n').length;
    let seen = 0;
    for (let line = 0; line <= lines; line++) {
      const expected = index.analysis.findings.filter((f) => f.line === line);
      assert.deepEqual([...findingsOnLine(entry, line)], expected);
      seen += expected.length;
    }
    assert.equal(seen, index.analysis.findings.length);
    assert.ok(seen > 0);
  });

  it('writes a one-paragraph stream summary', () => {
    const text = index.streamSummary('0xc0000021c0', 13)!;
    assert.match(text, /^Stream 13 on connection 0xc0000021c0 \(client side, peer 127\.0\.0\.1:35443\): GET \/empty\/7 answered 200\./);
    assert.match(text, /reset by client \(CANCEL\)/);
    assert.match(text, /warning cancelled-response \(line \d+\)/);
  });
});

describe('Connections view paging on a real 1,000-stream flood log', () => {
  const index = new TreeIndex(analyzeText(fixture('floods/nghttpd/rapid-reset/client.log')));
  const conn = index.connections()[0]!;

  it('pages streams by PAGE_SIZE with a "Show next" node', () => {
    assert.equal(conn.streams, 1000);
    const first = index.streams(conn.id, 0, PAGE_SIZE / 2);
    assert.equal(first.items.length, PAGE_SIZE / 2);
    assert.equal(first.total, 1000);
    const second = index.streams(conn.id, PAGE_SIZE / 2, PAGE_SIZE);
    assert.equal(second.items.length, 500);
    assert.equal(second.items[0]!.id, first.items[first.items.length - 1]!.id + 2);
    assert.equal(presentMore(500, 1000).label, 'Show next 500');
  });
});
