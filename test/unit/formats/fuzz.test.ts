/**
 * Property-based (fast-check) for every format parser: random text, soups of the format's own
 * tokens and real fixture text mutated at random never make a parser throw, and what comes out is
 * well-formed; the whole analysis (rules included) on it never throws either. Linear time by ratio:
 * each parser on a real fixture repeated k and 8k times. Runs are bounded (a few seconds in all).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeParsed, analyzeText } from '../../../server/src/core/analyze.ts';
import { CHUNK_PARSERS, TEXT_PARSERS } from '../../../server/src/core/formats/registry.ts';
import { assertLinear, assertWellFormed, fixture } from './helpers.ts';

const SEED = 0x5eed;

interface Subject { format: string; sample: string; tokens: string[]; repeat: (n: number) => string }

const lines = (rel: string, from: number, to: number): string => fixture(rel).split('\n').slice(from, to).join('\n');

const tsharkJson = fixture('tshark/tls-hold/export.json.gz');
/** The first `n` packets of the export, as a complete JSON array. */
const firstPackets = (text: string, n: number): string => {
  let at = 0;
  for (let i = 0; i < n; i++) at = text.indexOf('\n  },\n  {', at + 1);
  return `${text.slice(0, at)}\n  }\n]\n`;
};
const jsonBody = (text: string): string => text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);

const SUBJECTS: Subject[] = [
  {
    format: 'tshark-json',
    sample: firstPackets(tsharkJson, 14),
    tokens: ['[', ']', '{', '}', ',', ':', '"', '\\', '\\u00', '"_source"', '"layers"', '"http2"', '"http2.stream"', '"http2.type"', '"4"', '"1"', '"3"', '"http2.flags"', '"0x25"', '"http2.streamid"', '"http2.length"', '"http2.header"', '"http2.header.name"', '":path"', '"http2.settings"', '"http2.settings.id"', '"http2.rst_stream.error"', '"tcp"', '"tcp.srcport"', '"tcp.stream"', '"tcp.flags"', '"0x0002"', '"frame"', '"frame.time_epoch"', '"1795523058.2"', 'null', 'true', '-1e999', '\n'],
    repeat: (n) => `[${Array.from({ length: n }, () => jsonBody(firstPackets(tsharkJson, 30))).join(',\n')}]`,
  },
  {
    format: 'tshark-ek',
    sample: lines('tshark/h2c/export.ek.ndjson.gz', 0, 24),
    tokens: ['{"index":{}}', '\n', '{', '}', '[', ']', ',', ':', '"layers"', '"http2"', '"http2_http2_type"', '"http2_http2_streamid"', '"1"', '"http2_http2_header_name"', '"tcp"', '"tcp_tcp_srcport"', '"tcp_tcp_stream"', '"timestamp"', '"17"', 'null', 'true'],
    repeat: (n) => `${lines('tshark/h2c/export.ek.ndjson.gz', 0, 430)}\n`.repeat(n),
  },
  {
    format: 'tshark-pdml',
    sample: lines('tshark/h2c/export.pdml.gz', 0, 700),
    tokens: ['<', '>', '/>', '</', '"', '\'', '=', ' ', '\n', '<!--', '-->', '<?xml?>', 'packet', 'proto', 'field', 'name=', 'show=', '"http2"', '"http2.stream"', '"http2.type"', '"tcp"', '"tcp.srcport"', '"1"', '&lt;', '&#x41;', '&#99999999;', '&'],
    repeat: (n) => `<pdml>\n${fixture('tshark/h2c/export.pdml.gz').split('<packet>').slice(1, 60).map((p) => `<packet>${p.replace('</pdml>', '')}`).join('').repeat(n)}</pdml>\n`,
  },
  {
    format: 'chrome-netlog',
    sample: `${lines('netlog/chrome-netlog.json', 0, 2)}\n${lines('netlog/chrome-netlog.json', 1140, 1320)}`,
    tokens: ['{"constants":', '{"logEventTypes":{"HTTP2_SESSION_SEND_HEADERS":1,"HTTP2_SESSION_RECV_RST_STREAM":2},"logSourceType":{"HTTP2_SESSION":3}}', ',"events":[', '{"type":1,"source":{"id":1,"type":3},"time":"5","params":{"headers":[":path: /"],"stream_id":1,"fin":true}}', '{"type":2,"source":{"id":1,"type":3},"params":{"error_code":"8 (CANCEL)","stream_id":1}}', ',', ']', '}', '\n', '"', 'null'],
    repeat: (n) => {
      const text = fixture('netlog/chrome-netlog.json');
      const head = text.slice(0, text.indexOf('\n"events": [') + 12);
      const events = text.split('\n').filter((l) => l.startsWith('{"params"') || l.startsWith('{"phase"')).map((l) => `${l.replace(/\]?,?$/, '')},`);
      return `${head}\n${Array.from({ length: n }, () => events.join('\n')).join('\n')}\n{}]}`;
    },
  },
  {
    format: 'nghttp-verbose',
    sample: lines('nghttp/nghttpd-v-h2c.log', 0, 99),
    tokens: ['[id=1] ', '[  0.120] ', 'send ', 'recv ', 'HEADERS', 'SETTINGS', 'GOAWAY', 'RST_STREAM', 'PING', ' frame <length=', '39', ', flags=0x', '25', ', stream_id=', '13', '>', '\n', '          ', '(niv=1)', '[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]', '(error_code=CANCEL(0x08))', '(opaque_data=0000000000000001)', '(last_stream_id=0, error_code=NO_ERROR(0x00), opaque_data(3)=[abc])', ':status: 200', '(stream_id=13) ', 'closed', '[INVALID; error=x] ', '\u001b[33m', '\u001b[0m'],
    repeat: (n) => fixture('nghttp/nghttp-v-server-resets.log').repeat(n),
  },
  {
    format: 'curl-verbose',
    sample: fixture('curl/curl-8-trace-config-HANDMADE.log') + fixture('curl/curl-7.88-v-server-reset.log'),
    tokens: ['* ', '[HTTP/2] ', '[1] ', '<- ', '-> ', 'FRAME[', 'HEADERS', 'DATA', 'RST_STREAM', 'GOAWAY', ', len=', '5', ', eos=1', ', hend=1', ', error=', '8', ', reason=\'', 'x', '\'', ', last_stream=', ']', '\n', 'h2h3 [', ':method: GET', 'Using Stream ID: ', '< HTTP/2 200', '< ', 'HTTP/2 stream 3 was not closed cleanly: CANCEL (err 8)', '== Info: ', '12:07:04.087868 ', '[0-0] ', 'Connected to h (h) port 1 (#0)'],
    repeat: (n) => fixture('curl/curl-8-trace-config-HANDMADE.log').repeat(20 * n),
  },
  {
    format: 'rust-h2',
    sample: lines('rust-h2/client.log', 0, 150),
    tokens: ['2026-11-24T12:09:01.971629Z ', 'DEBUG ', 'TRACE ', 'Connection{peer=Client}:', ' h2::codec::framed_write:', ' h2::codec::framed_read:', ' send frame=', ' received frame=', 'Headers', 'Data', 'Settings', 'Reset', 'GoAway', 'Ping', 'WindowUpdate', ' { ', 'stream_id: StreamId(', '3', ')', ', flags: (0x5: END_HEADERS | END_STREAM)', ', error_code: CANCEL', ', debug_data: b"\\x00a', '"', ', payload: [1, 2, 300]', ', size_increment: 9', ' }', '\n', 'decoding frame from 36B', 'data frame sz=27 ', '\u001b[2m'],
    repeat: (n) => fixture('rust-h2/server.log').repeat(n),
  },
  {
    format: 'node-debug-http2',
    sample: fixture('node/server.log'),
    tokens: ['HTTP2 30462: ', 'Http2Session client: ', 'Http2Session server: ', 'Http2Stream 21 [Http2Session server]: ', 'submitting settings', 'new settings received', 'settings received', 'new ping received', 'goaway 11 received [last stream id: 3]', 'submitting goaway', 'headers received', 'initiating response', 'closed with code 8, closed true', 'closed with code ', '\n'],
    repeat: (n) => fixture('node/client.log').repeat(4 * n),
  },
  {
    format: 'okhttp',
    sample: fixture('okhttp/okhttp-frames-HANDMADE.log'),
    tokens: ['FINE: ', '>> ', '<< ', 'CONNECTION 505249', '0x00000003', '0x0000000g', '    98 ', '16384 ', 'HEADERS       ', 'DATA          ', 'RST_STREAM    ', 'SETTINGS      ', 'END_STREAM|END_HEADERS', 'ACK', '0x20', '|', '\n'],
    repeat: (n) => fixture('okhttp/okhttp-frames-HANDMADE.log').repeat(50 * n),
  },
  {
    format: 'envoy-http2',
    sample: fixture('envoy/envoy-http2-trace-HANDMADE.log'),
    tokens: ['[2024-12-09 11:23:19.592]', '[11970]', '[trace]', '[http2] ', '[source/common/http/http2/codec_impl.cc:1] ', '[Tags: "ConnectionId":"0"] ', '[C1] ', 'about to send frame type=', 'sent frame type=', 'about to recv frame type=', 'track inbound frame type=', 'recv frame type=DATA stream_id=1', '1', ', flags=', '5', ', stream_id=', ', length=', ' length=', 'remote reset: 1 8', 'sent goaway code=11', '\n'],
    repeat: (n) => fixture('envoy/envoy-http2-trace-HANDMADE.log').repeat(50 * n),
  },
];

/** Parse (whole and in random chunks), check, analyse: nothing throws, everything is well-formed. */
function check(format: string, text: string, chunk = 0): void {
  const parsed = TEXT_PARSERS[format]!(text);
  assertWellFormed(parsed, text);
  if (chunk > 0) {
    const p = CHUNK_PARSERS[format]!();
    for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
    const chunked = p.finish();
    assert.equal(chunked.frames.length, parsed.frames.length, 'chunking changes nothing');
  }
  const a = analyzeParsed(parsed);
  for (const f of a.findings) assert.ok(f.line >= 0 && f.line < Math.max(parsed.lineCount, 1));
  const whole = analyzeText(text, { format });
  assert.ok(whole.error === undefined || typeof whole.error === 'string');
}

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

for (const s of SUBJECTS) {
  describe(`${s.format}: property-based`, () => {
    it('the real sample parses well-formed, with frames', () => {
      check(s.format, s.sample, 97);
      assert.ok(TEXT_PARSERS[s.format]!(s.sample).frames.length > 0);
    });

    it('random text never throws', () => {
      fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: codeUnit, maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (t) => check(s.format, t)), { numRuns: 150, seed: SEED });
    });

    it('soups of the format\'s own tokens never throw', () => {
      fc.assert(fc.property(fc.array(fc.constantFrom(...s.tokens), { maxLength: 120 }), fc.integer({ min: 1, max: 64 }), (t, n) => check(s.format, t.join(''), n)), { numRuns: 300, seed: SEED });
    });

    it('the real sample mutated (cut, spliced, bytes replaced) never throws', () => {
      const sample = s.sample.length > 40000 ? s.sample.slice(0, 40000) : s.sample;
      const edit = fc.tuple(fc.nat({ max: sample.length }), fc.nat({ max: 64 }), fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...s.tokens)));
      fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.nat({ max: sample.length }), (edits, cut) => {
        let t = sample;
        for (const [at, del, ins] of edits) t = t.slice(0, at) + ins + t.slice(at + del);
        check(s.format, t.slice(0, Math.max(cut, 1)));
        check(s.format, t);
      }), { numRuns: 60, seed: SEED });
    });

    it('linear time: the fixture repeated ×k and ×8k', () => {
      const parse = TEXT_PARSERS[s.format]!;
      assertLinear(s.format, s.repeat, (t) => void parse(t), 1, 3);
    });
  });
}
