/**
 * FrameSlot packs fields (type, flags, direction, states; the character span; a preview or headers in
 * one field): every value must come back as it went in, including the ones that do not fit the
 * packed form. Hand-made values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSlot } from '../../server/src/core/model/frame.ts';
import type { StreamState } from '../../server/src/core/model/streamState.ts';

describe('FrameSlot', () => {
  it('keeps every stream state before and after', () => {
    const f = new FrameSlot('c', 'sent', 1, 'HEADERS', 0x25, 1, 10, 0, 3, 9, undefined);
    const states: Array<StreamState | undefined> = ['idle', 'reserved (local)', 'reserved (remote)', 'open', 'half-closed (local)', 'half-closed (remote)', 'closed', 'unknown', undefined];
    for (const before of states) {
      for (const after of states) {
        f.stateBefore = before;
        f.stateAfter = after;
        assert.equal(f.stateBefore, before);
        assert.equal(f.stateAfter, after);
      }
    }
    assert.ok(f instanceof FrameSlot);
    assert.equal(f.type, 1);
    assert.equal(f.flags, 0x25);
    assert.equal(f.direction, 'sent');
  });

  it('keeps a character span that does not fit the packed form, and one that is changed later', () => {
    const g = new FrameSlot('c', 'received', 0, 'DATA', 1, 3, 10, 7, 40_000, 70_000, 1.5);
    assert.deepEqual([g.startChar, g.endChar, g.line, g.time, g.direction], [40_000, 70_000, 7, 1.5, 'received']);
    g.endChar = 12;
    assert.deepEqual([g.startChar, g.endChar], [40_000, 12]);
    g.startChar = 2;
    assert.deepEqual([g.startChar, g.endChar], [2, 12]);
    g.endChar = 1 << 20;
    assert.deepEqual([g.startChar, g.endChar], [2, 1 << 20]);
  });

  it('keeps a DATA preview and headers apart even on one frame', () => {
    const h = new FrameSlot('c', 'sent', 0, 'DATA', 0, 1, 5, 0, 0, 5, undefined);
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
    assert.equal(new FrameSlot('c', 'sent', 12, 'UNKNOWN_FRAME_TYPE_12', 0, 1, 5, 0, 0, 5, undefined).typeName, 'UNKNOWN_FRAME_TYPE_12');
    assert.equal(new FrameSlot('c', 'sent', -1, '', 0, 1, 5, 0, 0, 5, undefined).typeName, '');
    assert.equal(new FrameSlot('c', 'sent', 8, 'WINDOW_UPDATE', 0, 0, 4, 0, 0, 5, undefined).typeName, 'WINDOW_UPDATE');
  });

  it('keeps a preview or headers when the side object for rarer fields is made later, and the other way round', () => {
    const d = new FrameSlot('c', 'received', 0, 'DATA', 0, 1, 5000, 0, 0, 5, undefined);
    d.dataPreview = 'abc';
    d.dataOmitted = 4997;
    d.violation = { error: 'PROTOCOL_ERROR', scope: 'connection', why: 'test' };
    assert.deepEqual([d.dataPreview, d.dataOmitted, d.violation?.error, d.headers], ['abc', 4997, 'PROTOCOL_ERROR', undefined]);
    const fields = [{ name: ':method', value: 'GET' }];
    const h = new FrameSlot('c', 'sent', 1, 'HEADERS', 4, 1, 10, 0, 40_000, 40_010, 2);
    h.headers = fields;
    assert.deepEqual([h.headers, h.startChar, h.endChar, h.dataPreview], [fields, 40_000, 40_010, undefined]);
    h.startChar = 3;
    h.endChar = 9;
    h.headers = undefined;
    assert.deepEqual([h.headers, h.startChar, h.endChar], [undefined, 3, 9]);
  });
});
