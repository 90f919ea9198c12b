/**
 * RFC 9113 facts used by hovers and rules: frame types, flags, error codes, settings.
 * Texts are one-liners on purpose: hovers show them next to the frame.
 */

export const RFC9113 = 'https://www.rfc-editor.org/rfc/rfc9113';
export const rfcLink = (section: string): string => `${RFC9113}#section-${section}`;

export interface FrameTypeInfo {
  code: number;
  name: string;
  section: string;
  summary: string;
  /** Flag bit → name, for this type. */
  flags: Record<number, string>;
  /** Whether the frame belongs to a stream (stream id ≠ 0), to the connection (= 0), or either. */
  scope: 'stream' | 'connection' | 'either';
}

export const FRAME_TYPES: readonly FrameTypeInfo[] = [
  { code: 0x0, name: 'DATA', section: '6.1', scope: 'stream', flags: { 0x1: 'END_STREAM', 0x8: 'PADDED' },
    summary: 'carries request or response content; counts against flow control' },
  { code: 0x1, name: 'HEADERS', section: '6.2', scope: 'stream', flags: { 0x1: 'END_STREAM', 0x4: 'END_HEADERS', 0x8: 'PADDED', 0x20: 'PRIORITY' },
    summary: 'opens a stream and carries a field block (request or response headers, or trailers)' },
  { code: 0x2, name: 'PRIORITY', section: '6.3', scope: 'stream', flags: {},
    summary: 'RFC 7540 priority signal (deprecated by RFC 9113 §5.3.2); allowed in every stream state' },
  { code: 0x3, name: 'RST_STREAM', section: '6.4', scope: 'stream', flags: {},
    summary: 'terminates a stream immediately, with an error code' },
  { code: 0x4, name: 'SETTINGS', section: '6.5', scope: 'connection', flags: { 0x1: 'ACK' },
    summary: 'declares the sender\'s configuration; the peer must acknowledge it' },
  { code: 0x5, name: 'PUSH_PROMISE', section: '6.6', scope: 'stream', flags: { 0x4: 'END_HEADERS', 0x8: 'PADDED' },
    summary: 'announces a server-initiated (pushed) stream' },
  { code: 0x6, name: 'PING', section: '6.7', scope: 'connection', flags: { 0x1: 'ACK' },
    summary: 'measures round-trip time or checks the connection is alive; the receiver must answer with an ACK carrying the same 8 bytes' },
  { code: 0x7, name: 'GOAWAY', section: '6.8', scope: 'connection', flags: {},
    summary: 'starts shutting the connection down; streams above the last-stream-id were not processed' },
  { code: 0x8, name: 'WINDOW_UPDATE', section: '6.9', scope: 'either', flags: {},
    summary: 'grants the peer more flow-control credit, for one stream or (stream 0) the whole connection' },
  { code: 0x9, name: 'CONTINUATION', section: '6.10', scope: 'stream', flags: { 0x4: 'END_HEADERS' },
    summary: 'continues a field block that did not fit into its HEADERS or PUSH_PROMISE frame' },
  { code: 0xa, name: 'ALTSVC', section: '5.5', scope: 'either', flags: {},
    summary: 'alternative service advertisement (RFC 7838), an extension frame' },
  { code: 0xc, name: 'ORIGIN', section: '5.5', scope: 'connection', flags: {},
    summary: 'origin set for connection coalescing (RFC 8336), an extension frame' },
  { code: 0x10, name: 'PRIORITY_UPDATE', section: '5.5', scope: 'connection', flags: {},
    summary: 'RFC 9218 extensible priority update, an extension frame' },
];

const byCode = new Map(FRAME_TYPES.map((t) => [t.code, t]));
const byName = new Map(FRAME_TYPES.map((t) => [t.name, t]));

export function frameTypeInfo(code: number): FrameTypeInfo | undefined {
  return byCode.get(code);
}
export function frameTypeCode(name: string): number | undefined {
  return byName.get(name)?.code;
}

/** Names of the set flag bits, ascending, unknown bits as 0x.. (the way Go prints them). */
export function flagNames(type: number, flags: number): string[] {
  const names: string[] = [];
  const known = byCode.get(type)?.flags ?? {};
  for (let bit = 1; bit <= 0x80; bit <<= 1) {
    if (flags & bit) names.push(known[bit] ?? `0x${bit.toString(16)}`);
  }
  return names;
}

const flagBitsByType = new Map<number, Map<string, number>>(
  FRAME_TYPES.map((t) => [t.code, new Map(Object.entries(t.flags).map(([bit, name]) => [name, Number(bit)]))]),
);

/** Flag name → bit, for a frame type (unknown names give undefined). */
export function flagBit(type: number, name: string): number | undefined {
  return flagBitsByType.get(type)?.get(name);
}

export const FLAG_EXPLANATIONS: Record<string, string> = {
  END_STREAM: 'the sender will send nothing more on this stream (its half is closed)',
  END_HEADERS: 'the field block is complete in this frame (no CONTINUATION follows)',
  PADDED: 'the payload carries padding',
  PRIORITY: 'the frame carries RFC 7540 priority fields',
  ACK: 'this frame acknowledges the peer\'s frame',
};

export interface ErrorCodeInfo {
  code: number;
  name: string;
  meaning: string;
}

export const ERROR_CODES: readonly ErrorCodeInfo[] = [
  { code: 0x0, name: 'NO_ERROR', meaning: 'not an error: a graceful GOAWAY, or a reset after a complete response to stop the request body (§8.1)' },
  { code: 0x1, name: 'PROTOCOL_ERROR', meaning: 'the endpoint detected an unspecific protocol error' },
  { code: 0x2, name: 'INTERNAL_ERROR', meaning: 'the endpoint encountered an unexpected internal error (nghttp2 also uses it when its reset rate limit trips)' },
  { code: 0x3, name: 'FLOW_CONTROL_ERROR', meaning: 'the peer violated the flow-control protocol' },
  { code: 0x4, name: 'SETTINGS_TIMEOUT', meaning: 'a SETTINGS frame was not acknowledged in time' },
  { code: 0x5, name: 'STREAM_CLOSED', meaning: 'a frame arrived after the stream was half-closed' },
  { code: 0x6, name: 'FRAME_SIZE_ERROR', meaning: 'a frame had an invalid size' },
  { code: 0x7, name: 'REFUSED_STREAM', meaning: 'the stream was refused before any processing: safe to retry (§8.7)' },
  { code: 0x8, name: 'CANCEL', meaning: 'the stream is no longer needed: typically a client that cancelled the request or closed the response body early' },
  { code: 0x9, name: 'COMPRESSION_ERROR', meaning: 'the HPACK compression context cannot be maintained; the connection is unusable' },
  { code: 0xa, name: 'CONNECT_ERROR', meaning: 'the tunnel of a CONNECT request was reset or closed abnormally' },
  { code: 0xb, name: 'ENHANCE_YOUR_CALM', meaning: 'the peer thinks this endpoint generates excessive load: a denial-of-service defence tripped (§10.5)' },
  { code: 0xc, name: 'INADEQUATE_SECURITY', meaning: 'the TLS properties are below the required minimum (§9.2)' },
  { code: 0xd, name: 'HTTP_1_1_REQUIRED', meaning: 'the peer asks to use HTTP/1.1 instead' },
];

const errByCode = new Map(ERROR_CODES.map((e) => [e.code, e]));
const errByName = new Map(ERROR_CODES.map((e) => [e.name, e]));

export const ErrorCode = {
  NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, INTERNAL_ERROR: 0x2, FLOW_CONTROL_ERROR: 0x3, SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7, CANCEL: 0x8, COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa, ENHANCE_YOUR_CALM: 0xb, INADEQUATE_SECURITY: 0xc, HTTP_1_1_REQUIRED: 0xd,
} as const;

/** nghttp2's NGHTTP2_ERR_FLOODED (−904) as Apache mod_http2 puts it on the wire in a GOAWAY. */
export const NGHTTP2_ERR_FLOODED_ON_WIRE = 0xfffffc78;

export function errorCodeInfo(code: number): ErrorCodeInfo | undefined {
  return errByCode.get(code);
}
export function errorCodeByName(name: string): number | undefined {
  return errByName.get(name)?.code;
}
export function errorCodeName(code: number): string {
  return errByCode.get(code)?.name ?? `0x${code.toString(16)}`;
}
/** Meaning of an error code, including the odd ones seen on the wire. */
export function errorCodeMeaning(code: number): string {
  const known = errByCode.get(code);
  if (known) return known.meaning;
  if (code === NGHTTP2_ERR_FLOODED_ON_WIRE) {
    return 'not an RFC 9113 code: nghttp2\'s internal NGHTTP2_ERR_FLOODED (−904) sent as an error code (Apache mod_http2 does this): the server decided this connection floods it';
  }
  return 'an unknown error code; RFC 9113 §7 says to treat it as INTERNAL_ERROR';
}

export const SETTINGS: Record<string, { id: number; initial: string; meaning: string }> = {
  HEADER_TABLE_SIZE: { id: 0x1, initial: '4096', meaning: 'HPACK dynamic table size the sender allows the peer\'s encoder to use' },
  ENABLE_PUSH: { id: 0x2, initial: '1', meaning: 'whether server push is allowed (a client sends 0 to refuse it)' },
  MAX_CONCURRENT_STREAMS: { id: 0x3, initial: 'unlimited', meaning: 'how many streams the peer may have open at once toward the sender' },
  INITIAL_WINDOW_SIZE: { id: 0x4, initial: '65535', meaning: 'initial flow-control window of every stream the peer sends on' },
  MAX_FRAME_SIZE: { id: 0x5, initial: '16384', meaning: 'largest frame payload the sender accepts' },
  MAX_HEADER_LIST_SIZE: { id: 0x6, initial: 'unlimited', meaning: 'largest header list (Σ name + value + 32) the sender accepts' },
  ENABLE_CONNECT_PROTOCOL: { id: 0x8, initial: '0', meaning: 'extended CONNECT (RFC 8441, WebSockets over HTTP/2)' },
  NO_RFC7540_PRIORITIES: { id: 0x9, initial: '0', meaning: 'the sender ignores RFC 7540 priorities (RFC 9218)' },
};

export const STREAM_STATE_SECTION = '5.1';
