/**
 * FrameTable packs fields into columns (type, flags, direction, states in one; the character span; a
 * preview or headers in one slot; stream id, length and line as uint32): every value must come back as
 * it went in, including the ones that do not fit the packed form. Hand-made values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameTable } from '../../server/src/core/model/frameTable.ts';
import type { FrameEvent } from '../../server/src/core/model/frame.ts';
import type { StreamState } from '../../server/src/core/model/streamState.ts';

/** A one-row table's row, as a frame object. */
const slot = (...a: Parameters<FrameTable['add']>) => {
  const t = new FrameTable();
  return t.row(t.add(...a));
};

describe('FrameTable', () => {
  it('keeps every stream state before and after', () => {
    const f = slot('c', 'sent', 1, 'HEADERS', 0x25, 1, 10, 0, 3, 9, undefined);
    const states: Array<StreamState | undefined> = ['idle', 'reserved (local)', 'reserved (remote)', 'open', 'half-closed (local)', 'half-closed (remote)', 'closed', 'unknown', undefined];
    for (const before of states) {
      for (const after of states) {
        f.stateBefore = before;
        f.stateAfter = after;
        assert.equal(f.stateBefore, before);
        assert.equal(f.stateAfter, after);
      }
    }
    assert.equal(f.index, 0);
    assert.equal(f.type, 1);
    assert.equal(f.flags, 0x25);
    assert.equal(f.direction, 'sent');
  });

  it('keeps a character span that does not fit the packed form, and one that is changed later', () => {
    const g = slot('c', 'received', 0, 'DATA', 1, 3, 10, 7, 40_000, 70_000, 1.5);
    assert.deepEqual([g.startChar, g.endChar, g.line, g.time, g.direction], [40_000, 70_000, 7, 1.5, 'received']);
    g.endChar = 12;
    assert.deepEqual([g.startChar, g.endChar], [40_000, 12]);
    g.startChar = 2;
    assert.deepEqual([g.startChar, g.endChar], [2, 12]);
    g.endChar = 1 << 20;
    assert.deepEqual([g.startChar, g.endChar], [2, 1 << 20]);
  });

  it('keeps a DATA preview and headers apart even on one frame', () => {
    const h = slot('c', 'sent', 0, 'DATA', 0, 1, 5, 0, 0, 5, undefined);
    assert.equal(h.dataPreview, undefined);
    assert.equal(h.headers, undefined);
    h.dataPreview = 'hello';
    const fields = [{ name: ':status', value: '200' }];
    h.headers = fields;
    assert.equal(h.dataPreview, 'hello');
    assert.equal(h.headers, fields);
    h.dataPreview = undefined;
    assert.equal(h.dataPreview, undefined);
    assert.equal(h.headers, fields);
  });

  it('keeps a type name other than the RFC one', () => {
    assert.equal(slot('c', 'sent', 12, 'UNKNOWN_FRAME_TYPE_12', 0, 1, 5, 0, 0, 5, undefined).typeName, 'UNKNOWN_FRAME_TYPE_12');
    assert.equal(slot('c', 'sent', -1, '', 0, 1, 5, 0, 0, 5, undefined).typeName, '');
    assert.equal(slot('c', 'sent', 8, 'WINDOW_UPDATE', 0, 0, 4, 0, 0, 5, undefined).typeName, 'WINDOW_UPDATE');
  });

  it('keeps a preview or headers when the side object for rarer fields is made later, and the other way round', () => {
    const d = slot('c', 'received', 0, 'DATA', 0, 1, 5000, 0, 0, 5, undefined);
    d.dataPreview = 'abc';
    d.dataOmitted = 4997;
    d.violation = { error: 'PROTOCOL_ERROR', scope: 'connection', why: 'test' };
    assert.deepEqual([d.dataPreview, d.dataOmitted, d.violation?.error, d.headers], ['abc', 4997, 'PROTOCOL_ERROR', undefined]);
    const fields = [{ name: ':method', value: 'GET' }];
    const h = slot('c', 'sent', 1, 'HEADERS', 4, 1, 10, 0, 40_000, 40_010, 2);
    h.headers = fields;
    assert.deepEqual([h.headers, h.startChar, h.endChar, h.dataPreview], [fields, 40_000, 40_010, undefined]);
    h.startChar = 3;
    h.endChar = 9;
    h.headers = undefined;
    assert.deepEqual([h.headers, h.startChar, h.endChar], [undefined, 3, 9]);
  });

  it('keeps stream ids, lengths and lines that do not fit a uint32 column, and times or none', () => {
    const t = new FrameTable();
    const odd = [-1, 2 ** 32, 2 ** 32 - 1, 0.5, 2 ** 53, NaN];
    for (const v of odd) t.add('c', 'sent', 0, 'DATA', 0, v, v, v, 0, 1, undefined);
    for (let i = 0; i < odd.length; i++) {
      const f = t.row(i);
      assert.deepEqual([f.streamId, f.length, f.line, f.time], [odd[i], odd[i], odd[i], undefined]);
    }
    const f = t.row(0);
    f.streamId = 7;
    f.time = 12.5;
    assert.deepEqual([f.streamId, f.length, f.time, t.streamIdOf(0)], [7, -1, 12.5, 7]);
  });

  it('copies frame objects in with every field, across many rows and connections', () => {
    const events: FrameEvent[] = [];
    for (let i = 0; i < 20_000; i++) {
      events.push({
        connection: `conn ${i % 3}`, direction: i % 2 ? 'received' : 'sent', type: i % 10, typeName: ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'][i % 10]!,
        flags: i & 0xff, streamId: i * 2 + 1, length: i * 3, line: i, startChar: 0, endChar: 10, time: i % 5 ? i * 1.5 : undefined,
        ...(i % 10 === 3 ? { errorCode: 8 } : {}), ...(i % 10 === 4 ? { settings: [['MAX_CONCURRENT_STREAMS', i]] as Array<[string, number]> } : {}),
        ...(i % 10 === 6 ? { pingPayload: '0000000000000001' } : {}), ...(i % 10 === 0 ? { dataPreview: `d${i}`, dataOmitted: 2 } : {}),
        ...(i % 10 === 1 ? { headers: [{ name: ':path', value: `/${i}` }] } : {}),
      });
    }
    const t = FrameTable.from(events);
    assert.equal(t.length, events.length);
    const keys: Array<keyof FrameEvent> = ['connection', 'direction', 'type', 'typeName', 'flags', 'streamId', 'length', 'line', 'startChar', 'endChar', 'time', 'errorCode', 'settings', 'pingPayload', 'dataPreview', 'dataOmitted', 'headers'];
    let k = 0;
    for (const f of t) {
      for (const key of keys) assert.deepEqual(f[key], events[k]![key], `${key} of row ${k}`);
      assert.equal(f.index, k++);
    }
    assert.equal(t.get(events.length), undefined);
    assert.equal(t.get(-1), undefined);
    assert.equal(t.filter((f) => f.type === 3).length, 2000);
    t.setDirection(1, 'sent');
    assert.equal(t.row(1).direction, 'sent');
  });

  it('counts rows per connection, across more connections than its first array holds, and when a row changes connection', () => {
    // Hand-made rows: 40 connections, connection k has k + 1 rows.
    const t = new FrameTable();
    for (let k = 0; k < 40; k++) for (let r = 0; r <= k; r++) t.add(`c${k}`, 'sent', 0, 'DATA', 0, 1, 0, t.length, 0, 1, undefined);
    assert.equal(t.connectionCount, 40);
    for (let code = 0; code < 40; code++) assert.equal(t.rowsOfConnection(code), code + 1);
    t.row(0).connection = 'c39';
    assert.equal(t.rowsOfConnection(0), 0);
    assert.equal(t.rowsOfConnection(39), 41);
  });
});
