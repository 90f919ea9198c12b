/**
 * stream-error: a stream reset with an error code that says the request failed (RST_STREAM
 * INTERNAL_ERROR, PROTOCOL_ERROR, FLOW_CONTROL_ERROR…), by either side. The codes that other rules
 * tell, or that lose nothing, are left out: NO_ERROR (an early answer), CANCEL (cancelled-response,
 * rapid-reset), ENHANCE_YOUR_CALM (enhance-your-calm), REFUSED_STREAM (not processed, safe to retry)
 * and STREAM_CLOSED (frames that crossed a close), as is a stream's second reset.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Stream, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import { ErrorCode, errorCodeMeaning, errorCodeName } from '../knowledge/rfc9113.ts';
import { formatNumber } from '../numberText.ts';
import type { Finding, RelatedLocation, Rule } from './types.ts';
import { at, plural } from './util.ts';

export const STREAM_ERROR = 'stream-error';

/** Codes other rules tell, or that lose nothing. */
const LEFT_OUT = new Set<number>([ErrorCode.NO_ERROR, ErrorCode.CANCEL, ErrorCode.ENHANCE_YOUR_CALM, ErrorCode.REFUSED_STREAM, ErrorCode.STREAM_CLOSED]);

const STORY = [
  'A stream reset with an error code ends that request as failed (RFC 9113 §5.4.2, §7): the client gets no complete response. The code says what the resetting side found.',
  '',
  '- **INTERNAL_ERROR from a Go server**: the handler panicked (the server\'s own log says `http2: panic serving …`; an `httputil.ReverseProxy` whose backend failed mid-body panics with `http.ErrAbortHandler`, silently), or the stream\'s write deadline passed (`http.Server.WriteTimeout`, counted from the request\'s headers, is shorter than the response takes to send). Go\'s client then fails with `stream error: stream ID N; INTERNAL_ERROR; received from peer`.',
  '- **PROTOCOL_ERROR**: the request or response broke a rule of HTTP/2 or HTTP semantics (malformed or forbidden header fields, a content-length that does not match the DATA). A grpc-go server also refuses a request that is not gRPC this way.',
  '- **FLOW_CONTROL_ERROR**: the peer sent more DATA than the stream\'s window allowed (see flow-control-violation).',
].join('\n');

export const streamErrorRule: Rule = {
  id: STREAM_ERROR,
  title: 'Stream reset with an error',
  defaultSeverity: 'warning',
  description: 'A stream was reset with an error code that fails its request (INTERNAL_ERROR, PROTOCOL_ERROR, FLOW_CONTROL_ERROR…), by either side.',
  check(trace: Trace): Finding[] {
    const findings: Finding[] = [];
    for (const conn of trace.connections) {
      // Resets alike on the connection (same side, same code), to tell how many there are.
      const resets: Array<{ stream: Stream; rst: FrameRecord }> = [];
      const alike = new Map<string, number>();
      for (const stream of conn.streamList) {
        const rst = stream.resetFrame === undefined ? undefined : trace.frames.row(stream.resetFrame);
        if (!rst || rst.errorCode === undefined || LEFT_OUT.has(rst.errorCode)) continue;
        resets.push({ stream, rst });
        const key = `${isFromClient(conn, rst)}:${rst.errorCode}`;
        alike.set(key, (alike.get(key) ?? 0) + 1);
      }
      for (const { stream, rst } of resets) {
        const byClient = isFromClient(conn, rst);
        findings.push(diagnose(trace, stream, rst, byClient, alike.get(`${byClient}:${rst.errorCode}`)!, conn.streamList.length));
      }
    }
    return findings;
  },
};

function diagnose(trace: Trace, stream: Stream, rst: FrameRecord, byClient: boolean, alike: number, streams: number): Finding {
  const conn = trace.connectionById.get(stream.connection)!;
  let responseHeaders: FrameRecord | undefined;
  let lastData: FrameRecord | undefined;
  let responseBytes = 0;
  for (const i of stream.frames) {
    if (i >= rst.index) break;
    const f = trace.frames.row(i);
    if (isFromClient(conn, f)) continue;
    if (f.type === FrameType.HEADERS && !responseHeaders) responseHeaders = f;
    if (f.type === FrameType.DATA) {
      lastData = f;
      responseBytes += f.length;
    }
  }
  const code = errorCodeName(rst.errorCode!);
  const who = byClient ? 'client' : 'server';
  const named = !stream.headersGuessed;
  const request = named && stream.path ? ` ${stream.method ?? ''} ${stream.path}`.replace(/\s+/g, ' ') : '';
  const status = named && stream.status_ ? ` (:status ${stream.status_})` : '';
  const when = responseHeaders
    ? `after the response began${status}, with ${formatNumber(responseBytes)} bytes of its body sent: the response was cut short`
    : 'before any response: the request failed unanswered';
  const parts = [`Stream ${stream.id}${request}: the ${who} reset it with ${code} ${when}. ${code}: ${errorCodeMeaning(rst.errorCode!)}.`];
  if (alike > 1) parts.push(`${plural(alike, 'stream')} of ${formatNumber(streams)} on this connection were reset by the ${who} with ${code}.`);
  const panic = byClient ? undefined : conn.info.handlerPanics?.get(rst.line);
  if (panic) {
    parts.push(`The server's log says why: its handler panicked (line ${formatNumber(panic.line + 1)}: "http2: panic serving …: ${panic.value}"), and Go's server resets the stream of a panicking handler with INTERNAL_ERROR. The client reports "stream error: stream ID ${stream.id}; INTERNAL_ERROR; received from peer".`);
  } else if (!byClient && rst.errorCode === ErrorCode.INTERNAL_ERROR) {
    parts.push('Servers do this when the application failed or a timeout of theirs cut the response. A Go server does it when the handler panics (its log says "http2: panic serving …"; an httputil.ReverseProxy whose backend failed mid-body panics silently with http.ErrAbortHandler) or when the stream\'s write deadline passes (http.Server.WriteTimeout shorter than the response takes to send); Go\'s client then reports "stream error: stream ID N; INTERNAL_ERROR; received from peer".');
  } else if (rst.errorCode === ErrorCode.PROTOCOL_ERROR) {
    parts.push(`The ${who} found this stream malformed (RFC 9113 §8.1.1: forbidden or malformed header fields, a content-length that does not match the DATA)${byClient ? '' : ', or, as a grpc-go server, a request that is not gRPC'}.`);
  }
  const related: RelatedLocation[] = [];
  if (stream.openFrame !== undefined) related.push(at(trace.frames.row(stream.openFrame), 'the request HEADERS'));
  if (responseHeaders) related.push(at(responseHeaders, `response HEADERS${status}`));
  if (lastData) related.push(at(lastData, `last response DATA before the reset (${formatNumber(lastData.length)} bytes)`));
  if (panic) related.push({ line: panic.line, startChar: panic.startChar, endChar: panic.endChar, message: 'the handler\'s panic' });
  related.sort((a, b) => a.line - b.line);
  return {
    rule: STREAM_ERROR,
    severity: 'warning',
    line: rst.line,
    startChar: rst.startChar,
    endChar: rst.endChar,
    connection: conn.id,
    stream: stream.id,
    frame: rst.index,
    message: parts.join(' '),
    related,
    explanation: STORY,
  };
}
