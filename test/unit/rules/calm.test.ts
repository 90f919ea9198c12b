/**
 * enhance-your-calm's explanation of a verdict: the debug data and the odd error codes name the
 * defence, then the flood meters rank the load; the top cause's frames are the related information.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import { rankCalmCauses } from '../../../server/src/core/rules/calmCauses.ts';
import { PROFILES } from '../../../server/src/core/rules/profiles.ts';
import { clientPreface, pingQ, read, wrote } from '../helpers.ts';
import { analyzeLines, byRule } from './ruleHelpers.ts';

const rapid = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => [wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${from + 2 * i} len=10`, 1), wrote(`RST_STREAM stream=${from + 2 * i} len=4 ErrCode=CANCEL`, 1)]).flat();

describe('enhance-your-calm causes', () => {
  it('Rust h2\'s "too_many_resets" after 21 rapid resets (hand-made, the real debug string): names the rapid resets and Rust h2', () => {
    const a = analyzeLines([...clientPreface(0), ...rapid(21), read('GOAWAY len=23 LastStreamID=41 ErrCode=ENHANCE_YOUR_CALM Debug="too_many_resets"', 1)]);
    const [f] = byRule(a, 'enhance-your-calm');
    assert.match(f!.message, /The debug data names the defence: Rust h2: too many streams reset by the client before the server accepted them/);
    assert.match(f!.message, /Most likely cause on this connection: 21 streams reset by the client before any response/);
    assert.match(f!.message, /Rust h2 \(hyper\) server: more than 20 streams reset before the server accepted them .* \(it answers GOAWAY ENHANCE_YOUR_CALM\)/);
    assert.equal(f!.related.length, 20, 'the most recent 20 of them');
    assert.ok(f!.related.every((r) => a.trace!.frames.get(r.frame!)!.type === FrameType.RST_STREAM));
    assert.ok(f!.budget!.some((b) => /^Envoy: /.test(b)), 'the hover has the top cause\'s budget per profile');
  });

  it('debug data beats the ranking: "too_many_pings" names the 3 PINGs although 25 rapid resets score higher (hand-made)', () => {
    const lines = [...clientPreface(0), ...rapid(25)];
    for (let i = 0; i < 3; i++) lines.push(wrote(`PING len=8 ping=${pingQ([0, 0, 0, 0, 0, 0, 0, i])}`, 2 + i), read(`PING flags=ACK len=8 ping=${pingQ([0, 0, 0, 0, 0, 0, 0, i])}`, 2 + i));
    lines.push(read('GOAWAY len=22 LastStreamID=0 ErrCode=ENHANCE_YOUR_CALM Debug="too_many_pings"', 5));
    const [f] = byRule(analyzeLines(lines), 'enhance-your-calm');
    assert.match(f!.message, /Most likely cause on this connection: 3 PINGs from the client/);
    assert.match(f!.explanation!, /Other load seen on this connection: 25 streams reset by the client before any response/);
  });

  it('MadeYouReset: "too_many_internal_resets" names the server resets the client provoked (hand-made)', () => {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < 30; i++) {
      const s = 2 * i + 1;
      lines.push(wrote(`HEADERS flags=END_HEADERS stream=${s} len=10`, 1), wrote(`WINDOW_UPDATE stream=${s} len=4 incr=0`, 1), read(`RST_STREAM stream=${s} len=4 ErrCode=PROTOCOL_ERROR`, 1));
    }
    lines.push(read('GOAWAY len=32 LastStreamID=59 ErrCode=ENHANCE_YOUR_CALM Debug="too_many_internal_resets"', 1));
    const [f] = byRule(analyzeLines(lines), 'enhance-your-calm');
    assert.match(f!.message, /MadeYouReset defence, CVE-2025-8671/);
    assert.match(f!.message, /Most likely cause on this connection: 30 streams reset by the server in answer to a client frame/);
  });

  it('Apache\'s 0xfffffc77 (nghttp2 −905) after a CONTINUATION chain names the CONTINUATIONs (hand-made, as Apache logs it)', () => {
    const lines = [...clientPreface(), wrote('HEADERS flags=END_STREAM stream=1 len=39')];
    for (let i = 0; i < 12; i++) lines.push(wrote('CONTINUATION stream=1 len=62'));
    lines.push(read('GOAWAY len=60 LastStreamID=0 ErrCode=unknown error code 0xfffffc77 Debug="Too many CONTINUATION frames following a HEADER frame"'));
    const a = analyzeLines(lines);
    const [f] = byRule(a, 'enhance-your-calm');
    assert.match(f!.message, /error code 0xfffffc77 \(nghttp2 NGHTTP2_ERR_TOO_MANY_CONTINUATIONS, a flood verdict\)/);
    assert.match(f!.message, /Most likely cause on this connection: 12 CONTINUATION frames from the client/);
    assert.deepEqual(byRule(a, 'goaway'), [], 'a flood verdict is not a plain goaway');
  });

  it('Apache\'s 0xfffffc78 after a SETTINGS flood names the SETTINGS, not the PINGs (hand-made, the REACTIONS.md debug text)', () => {
    const lines = [...clientPreface(), wrote(`PING len=8 ping=${pingQ([1, 2, 3, 4, 5, 6, 7, 8])}`)];
    for (let i = 0; i < 1500; i++) lines.push(wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=1048576'));
    lines.push(read('GOAWAY len=75 LastStreamID=0 ErrCode=unknown error code 0xfffffc78 Debug="Flooding was detected in this HTTP/2 session, and it must be closed"'));
    const [f] = byRule(analyzeLines(lines), 'enhance-your-calm');
    assert.match(f!.message, /The debug data names the defence: Apache mod_http2 \/ nghttp2: flooding detected/);
    assert.match(f!.message, /Most likely cause on this connection: 1,500 SETTINGS frames from the client/);
    assert.match(f!.message, /Apache mod_http2 \(over nghttp2\): 1,501 PING\/SETTINGS frames awaiting their ACK, over the 1,000 queued ACKs it allows .* \(it answers 0xfffffc78\)/);
  });

  it('rankCalmCauses (one pass up to a frame) agrees with the snapshot the rule takes', () => {
    const lines = [...clientPreface(0), ...rapid(30), read('GOAWAY len=8 LastStreamID=59 ErrCode=ENHANCE_YOUR_CALM Debug=""', 1)];
    const a = analyzeLines(lines);
    const trace = a.trace!;
    const goaway = trace.frames.get(trace.frames.length - 1)!;
    const causes = rankCalmCauses(trace, trace.connections[0]!, 'client', goaway.index, PROFILES);
    assert.equal(causes[0]!.kind, 'rapid-resets');
    assert.equal(causes[0]!.count, 30);
    const [f] = byRule(a, 'enhance-your-calm');
    assert.ok(f!.message.includes(causes[0]!.summary));
  });

  it('the profile selection changes which peer is named: with only nginx, the rapid resets have no budget (nothing visible)', () => {
    const lines = [...clientPreface(0), ...rapid(30), read('GOAWAY len=8 LastStreamID=59 ErrCode=ENHANCE_YOUR_CALM Debug=""', 1)];
    const [all] = byRule(analyzeLines(lines), 'enhance-your-calm');
    assert.match(all!.message, /30 streams reset by the client before any response/);
    const [nginx] = byRule(analyzeLines(lines, { profiles: ['nginx'] }), 'enhance-your-calm');
    assert.match(nginx!.message, /No flood pattern is visible/);
  });
});
