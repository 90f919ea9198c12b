/**
 * cancelled-response: the client reset a stream with CANCEL after its request was complete and the
 * response had begun — the response body was closed before it was read to EOF, or (while the body
 * was still arriving) the request's deadline ended.
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Stream, Trace } from '../model/trace.ts';
import { headerValue, isFromClient, isGrpcStream } from '../model/trace.ts';
import { ErrorCode } from '../knowledge/rfc9113.ts';
import type { Finding, RelatedLocation, Rule } from './types.ts';
import { at } from './util.ts';
import { lowerBound } from '../lowerBound.ts';
import { formatNumber } from '../numberText.ts';

export const CANCELLED_RESPONSE = 'cancelled-response';

const STORY = [
  'The client closed the response body before reading it to the end, so its HTTP/2 transport cancelled the stream.',
  'In Go this is `resp.Body.Close()` without draining the body — typically after `json.NewDecoder(resp.Body).Decode(&v)`, which stops after one JSON value and never reads the end of the stream (EOF).',
  'Since Go 1.24 (x/net v0.31.0) each such RST_STREAM is sent together with a PING, so that the transport can tell a slow server from a dead one. Edges count those PINGs: Cloudflare treated the RST_STREAM + PING stream as a PING flood (CVE-2019-9512) and closed the connections with GOAWAY ENHANCE_YOUR_CALM.',
  '',
  '**Fix**: read the body to EOF before closing it:',
  '```go',
  'defer func() {',
  '\t_, _ = io.Copy(io.Discard, resp.Body)',
  '\tresp.Body.Close()',
  '}()',
  '```',
  '',
  'The same frames come from a request whose deadline ends while its body is still arriving (`http.Client.Timeout`, a context with a deadline): that body was not left unread but came too slowly, and draining it does not help. Go\'s error tells them apart: `context deadline exceeded (Client.Timeout or context cancellation while reading body)`. A reset after END_STREAM arrived is an early close.',
].join('\n');

export const cancelledResponseRule: Rule = {
  id: CANCELLED_RESPONSE,
  title: 'Response cancelled before its body was read',
  defaultSeverity: 'warning',
  description: 'The client reset (RST_STREAM CANCEL) a stream after its request was complete and the response had begun: the response body was closed before it was read to EOF.',
  check(trace: Trace): Finding[] {
    const findings: Finding[] = [];
    for (const conn of trace.connections) {
      /** grpcConnection(conn), asked once and only when a stream's own fields cannot be trusted (null: not yet). */
      let connectionGrpc: boolean | undefined | null = null;
      for (const stream of conn.streams.values()) {
        const rst = stream.resetFrame === undefined ? undefined : trace.frames.row(stream.resetFrame);
        if (!rst || rst.errorCode !== ErrorCode.CANCEL || !isFromClient(conn, rst)) continue;
        let grpc = isGrpcStream(stream);
        if (stream.headersGuessed) {
          if (connectionGrpc === null) connectionGrpc = grpcConnection(conn);
          grpc = connectionGrpc ?? grpc;
        }
        const finding = diagnose(trace, stream, rst, conn.role === 'server', grpc);
        if (finding) findings.push(finding);
      }
    }
    return findings;
  },
};

function diagnose(trace: Trace, stream: Stream, rst: FrameRecord, serverView: boolean, grpc: boolean): Finding | undefined {
  const conn = trace.connectionById.get(stream.connection)!;
  let requestComplete = false;
  let responseHeaders: FrameRecord | undefined;
  let lastData: FrameRecord | undefined;
  /** Response DATA bytes before the reset. */
  let dataBytes = 0;
  let endBefore: FrameRecord | undefined;
  let endAfter: FrameRecord | undefined;
  for (const i of stream.frames) {
    const f = trace.frames.row(i);
    const fromClient = isFromClient(conn, f);
    const before = i < rst.index;
    if (before && fromClient && (f.type === FrameType.HEADERS || f.type === FrameType.DATA) && (f.flags & 1)) requestComplete = true;
    if (fromClient) continue;
    if (f.type === FrameType.HEADERS && before && !responseHeaders) responseHeaders = f;
    if (f.type === FrameType.DATA && before) {
      lastData = f;
      dataBytes += f.length;
    }
    if ((f.type === FrameType.DATA || f.type === FrameType.HEADERS) && (f.flags & 1)) {
      if (before) endBefore ??= f;
      else endAfter ??= f;
    }
  }
  // A reset before the response began is a cancelled request (timeout, context), not this story.
  if (!requestComplete || !responseHeaders) return undefined;

  if (grpc) return grpcCancel(stream, rst, responseHeaders, endBefore);

  const ping = pingWithReset(trace, conn.frames, rst, (f) => isFromClient(conn, f));
  const who = serverView ? 'received' : 'sent';
  const related: RelatedLocation[] = [];
  // Fields the log did not tie to this stream (FrameEvent.headersGuessed) are not named in a finding.
  const named = !stream.headersGuessed;
  const status = named && stream.status_ ? ` (:status ${stream.status_})` : '';
  related.push(at(responseHeaders, `response HEADERS${status} ${serverView ? 'sent' : 'received'} here`));
  if (lastData && lastData !== endBefore) related.push(at(lastData, `last response DATA ${serverView ? 'sent' : 'read'} before the reset (${lastData.length} bytes)`));
  if (endBefore) related.push(at(endBefore, serverView
    ? 'the server had already sent END_STREAM: the response was complete, the reset was unnecessary'
    : 'END_STREAM had already arrived: the response was complete, the reset was unnecessary'));
  else if (endAfter) related.push(at(endAfter, 'END_STREAM arrived after the reset: the response was still in flight'));
  if (ping) related.push(at(ping, `PING ${who} with the reset (Go ≥ 1.24 sends one per reset; edges count them as a PING flood)`));
  related.sort((a, b) => a.line - b.line);

  const path = named && stream.path ? ` ${stream.method ?? ''} ${stream.path}`.replace(/\s+/g, ' ') : '';
  const parts: string[] = [];
  if (endBefore) {
    parts.push(`Stream ${stream.id}${path}: the client cancelled the response (RST_STREAM CANCEL) after its headers arrived — the response body was closed before it was read to the end (Go: resp.Body.Close() without draining).`);
    parts.push('The response was already complete (END_STREAM came first), so this reset was entirely unnecessary.');
  } else {
    // Still arriving: an early close and a deadline give the same frames (real: go-undrained-body, go-client-timeout).
    parts.push(`Stream ${stream.id}${path}: the client cancelled the response (RST_STREAM CANCEL) while its body was still arriving (${formatNumber(dataBytes)} bytes of DATA by then, no END_STREAM).`
      + ' Either the client\'s code closed the body before the end (Go: resp.Body.Close() without draining), or the request\'s deadline ended while the body was being read (http.Client.Timeout, a context deadline: Go\'s error then says "context deadline exceeded (Client.Timeout or context cancellation while reading body)").');
  }
  if (ping) parts.push('A PING went out with the reset; repeated per request, edges treat these as a PING flood and answer GOAWAY ENHANCE_YOUR_CALM.');
  parts.push(endBefore
    ? 'Fix: drain the body (io.Copy(io.Discard, resp.Body)) before Close().'
    : 'Fix: if the code stops reading early, drain the body (io.Copy(io.Discard, resp.Body)) before Close(); if a deadline ended it, the response took longer than the client allows.');

  return {
    rule: CANCELLED_RESPONSE,
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
    fix: 'drain-go-body',
  };
}

/**
 * Does `conn` carry gRPC, by its streams whose fields are sure (not FrameEvent.headersGuessed)? For a
 * stream whose own fields may be another stream's: a connection carries gRPC calls or plain requests,
 * so the sure ones tell. Undefined when no sure stream has a content-type or a grpc-status.
 */
function grpcConnection(conn: Connection): boolean | undefined {
  let grpc = 0;
  let plain = 0;
  for (const s of conn.streamList) {
    if (s.headersGuessed) continue;
    if (isGrpcStream(s)) grpc++;
    else if (headerValue(s.requestHeaders, 'content-type') !== undefined || headerValue(s.responseHeaders, 'content-type') !== undefined) plain++;
  }
  return grpc + plain === 0 ? undefined : grpc > plain;
}

/**
 * gRPC libraries own the stream (nobody closes a body by hand): a client cancels when the call's
 * deadline or context ends. When that crosses the server's final answer — typically a trailers-only
 * DEADLINE_EXCEEDED sent as the server's own deadline expired — the reset is a benign race: told, as
 * information, without the drain story or fix.
 */
function grpcCancel(stream: Stream, rst: FrameRecord, response: FrameRecord, endBefore: FrameRecord | undefined): Finding {
  // A status is quoted only from fields the log tied to this stream.
  const sure = (f: FrameRecord | undefined): FrameRecord | undefined => (f?.headersGuessed ? undefined : f);
  const status = headerValue(sure(endBefore)?.headers, 'grpc-status') ?? headerValue(sure(response)?.headers, 'grpc-status');
  const message = headerValue(sure(endBefore)?.headers, 'grpc-message') ?? headerValue(sure(response)?.headers, 'grpc-message');
  const answer = status !== undefined ? ` (grpc-status ${status}${message ? ` "${message}"` : ''})` : '';
  const related: RelatedLocation[] = [at(response, `gRPC response HEADERS${endBefore === response ? answer : ''}`)];
  if (endBefore && endBefore !== response) related.push(at(endBefore, `gRPC trailers (END_STREAM)${answer}`));
  related.sort((a, b) => a.line - b.line);
  const path = stream.path && !stream.headersGuessed ? ` ${stream.path}` : '';
  return {
    rule: CANCELLED_RESPONSE,
    severity: 'info',
    line: rst.line,
    startChar: rst.startChar,
    endChar: rst.endChar,
    connection: stream.connection,
    stream: stream.id,
    frame: rst.index,
    message: `Stream ${stream.id}${path}: the gRPC client cancelled the call (RST_STREAM CANCEL) ${endBefore ? 'as the server\'s final answer arrived' : 'while the answer was in flight'}${answer} — gRPC clients do this when the call's deadline or context ends; on its own a benign race, with no body to drain.`,
    related,
    explanation: [
      'gRPC libraries manage the HTTP/2 stream themselves: a client resets it with CANCEL when the call\'s deadline expires or its context is cancelled.',
      'When the server answered at the same moment (for example a trailers-only `grpc-status: 4` DEADLINE_EXCEEDED sent as its own copy of the deadline expired), the two cross on the wire. That is normal and needs no fix; many of them mean deadlines shorter than the server\'s usual latency.',
    ].join('\n\n'),
  };
}

/**
 * The PING that goes with a reset: the next frame the client sends on the connection after the
 * RST_STREAM, when it is a PING (not an ACK). Go writes them back to back.
 */
export function pingWithReset(trace: Trace, connFrames: number[], rst: FrameRecord, fromResetter: (f: FrameRecord) => boolean): FrameRecord | undefined {
  // The reset's position in the connection's frame list.
  const at = lowerBound(connFrames, rst.index);
  for (let k = at + 1; k < connFrames.length; k++) {
    const f = trace.frames.row(connFrames[k]!);
    if (!fromResetter(f)) continue;
    if (f.type === FrameType.PING && (f.flags & 1) === 0) return f;
    return undefined;
  }
  return undefined;
}
