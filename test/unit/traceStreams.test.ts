/**
 * The trace's stream lists: `Connection.streamList` (streams by ordinal), `Trace.streamOrdinals` (the
 * stream of each frame) and each stream's `frames` agree with one another, on real logs of many
 * connections and streams.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../server/src/core/analyze.ts';
import { isStreamFrame } from '../../server/src/core/model/streamState.ts';
import { PROFILES } from '../../server/src/core/rules/profiles.ts';
import { fixture } from './helpers.ts';

const LOGS = [
  'grpc/unary/export.json.gz',
  'go-undrained-body/go1.24-std-undrained/client.log',
  'go-undrained-body/go1.24-std-undrained/server.log',
  'floods/nginx/continuation/client.log',
  'floods/go1.24-std/rapid-reset/client.log',
  'tshark/h2c/export.json.gz',
];

describe('trace streams by ordinal', () => {
  for (const rel of LOGS) {
    it(`${rel}: streamList, streamOrdinals and each stream's frames agree`, () => {
      const trace = analyzeText(fixture(rel), { ctx: { profiles: PROFILES } }).trace!;
      const frames = trace.frames;
      assert.equal(trace.streamOrdinals.length, frames.length);
      let streamFrames = 0;
      for (const conn of trace.connections) {
        // The map and the list hold the same streams in the same order.
        assert.deepEqual([...conn.streams.values()], conn.streamList);
        conn.streamList.forEach((s, o) => {
          assert.equal(s.ordinal, o);
          assert.ok(s.frames.length > 0);
          for (let k = 0; k < s.frames.length; k++) {
            const i = s.frames[k]!;
            if (k > 0) assert.ok(i > s.frames[k - 1]!, 'frames in log order');
            assert.equal(trace.streamOrdinals[i], o);
            assert.equal(frames.connectionOf(i), conn.id);
            assert.equal(frames.streamIdOf(i), s.id);
          }
          streamFrames += s.frames.length;
        });
      }
      // Every other frame is on no stream: stream 0, or a type that does not belong to streams.
      let none = 0;
      for (let i = 0; i < frames.length; i++) {
        if (trace.streamOrdinals[i] !== -1) continue;
        none++;
        assert.ok(!isStreamFrame(frames.typeOf(i), frames.streamIdOf(i)) || frames.typeOf(i) === 9, `frame ${i}`);
      }
      assert.equal(streamFrames + none, frames.length);
    });
  }
});
