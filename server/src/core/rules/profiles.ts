/**
 * Peer profiles: the limits real HTTP/2 implementations enforce, each number with its source.
 * docs/rules.md renders this table (scripts/profiles-table.ts); rules take every threshold from here
 * (or from a per-rule override in the settings, see thresholds.ts), never from a literal.
 *
 * Sources: ../shared/research/formats-and-limits.md §3 and the repositories named in each `source`.
 * An implementation that has a defence but publishes no number (Cloudflare) gets a `note`, never an
 * invented value.
 */

export interface Limit {
  value: number;
  /** Where the number comes from (repository path, commit or document). */
  source: string;
  /** What the implementation does when the limit is passed. */
  action?: string;
  /** maxQueuedAcks: only PING ACKs are queued (SETTINGS ACKs coalesced into one pending flag). */
  pingsOnly?: boolean;
  /**
   * maxQueuedAcks: the peer writes each ACK to the socket as soon as it has read the frame, and its
   * queue only grows while that write blocks (the socket buffers are full). The frames a log shows
   * unanswered are then an upper bound that can only put the peer "at risk", never prove a cut.
   */
  queuedWhenBlocked?: boolean;
  /**
   * maxHeaderBlockBytes: the peer counts the decoded header list — name + value + this many bytes per
   * field (RFC 7541 §4.1) — not the HPACK bytes on the wire that a log shows.
   */
  decodedPerField?: number;
}

/** Every kind of limit a profile can have. The key is also the threshold-override parameter name. */
export type LimitKey =
  | 'pingMinIntervalMs'
  | 'pingIdleMinIntervalMs'
  | 'maxPingStrikes'
  | 'maxQueuedAcks'
  | 'pingTimeoutMs'
  | 'maxSettingsEntries'
  | 'resetBurst'
  | 'resetRatePerSecond'
  | 'glitchBurst'
  | 'glitchRatePerSecond'
  | 'prematureResetStreams'
  | 'prematureResetLifetimeSeconds'
  | 'maxPendingAcceptResets'
  | 'maxRefusedStreams'
  | 'resetBudget'
  | 'maxProvokedResets'
  | 'maxStreamErrors'
  | 'maxConsecutiveEmptyFrames'
  | 'maxEmptyDataFrames'
  | 'maxContinuations'
  | 'maxHeaderBlockBytes'
  | 'windowUpdatesPerDataFrame'
  | 'maxZeroWindowMs'
  | 'maxConcurrentStreams';

export interface LimitInfo {
  /** Label in the docs table. */
  label: string;
  unit: 'count' | 'ms' | 'bytes' | 'per-second' | 'seconds';
}

export const LIMITS: Record<LimitKey, LimitInfo> = {
  pingMinIntervalMs: { label: 'PING strikes: minimum interval', unit: 'ms' },
  pingIdleMinIntervalMs: { label: 'PING strikes: interval with no active stream', unit: 'ms' },
  maxPingStrikes: { label: 'PING strikes allowed', unit: 'count' },
  maxQueuedAcks: { label: 'queued PING/SETTINGS ACKs', unit: 'count' },
  pingTimeoutMs: { label: 'PING timeout', unit: 'ms' },
  maxSettingsEntries: { label: 'entries in one SETTINGS frame', unit: 'count' },
  resetBurst: { label: 'RST_STREAM received: token-bucket burst', unit: 'count' },
  resetRatePerSecond: { label: 'RST_STREAM received: refill per second', unit: 'per-second' },
  glitchBurst: { label: 'glitches (provoked resets, empty DATA…): burst', unit: 'count' },
  glitchRatePerSecond: { label: 'glitches: refill per second', unit: 'per-second' },
  prematureResetStreams: { label: 'premature resets: closed streams checked', unit: 'count' },
  prematureResetLifetimeSeconds: { label: 'premature resets: stream lifetime (whole seconds) at most', unit: 'seconds' },
  maxPendingAcceptResets: { label: 'streams reset before the server accepted them', unit: 'count' },
  maxRefusedStreams: { label: 'streams refused (REFUSED_STREAM) before GOAWAY', unit: 'count' },
  resetBudget: { label: 'reset budget (−1 per reset, +1 per normal stream)', unit: 'count' },
  maxProvokedResets: { label: 'streams reset by the server because of client errors', unit: 'count' },
  maxStreamErrors: { label: 'client flow-control errors (RST_STREAM FLOW_CONTROL_ERROR)', unit: 'count' },
  maxConsecutiveEmptyFrames: { label: 'consecutive empty frames', unit: 'count' },
  maxEmptyDataFrames: { label: 'empty non-final DATA frames per connection', unit: 'count' },
  maxContinuations: { label: 'CONTINUATION frames per field block', unit: 'count' },
  maxHeaderBlockBytes: { label: 'field block (HEADERS + CONTINUATION) bytes', unit: 'bytes' },
  windowUpdatesPerDataFrame: { label: 'WINDOW_UPDATEs per DATA frame sent (5 + 2 × (streams + N × DATA))', unit: 'count' },
  maxZeroWindowMs: { label: 'send blocked by a zero window', unit: 'ms' },
  maxConcurrentStreams: { label: 'MAX_CONCURRENT_STREAMS advertised by default', unit: 'count' },
};

/** A defence without a published number, or switched off by default: said in budgets, never counted. */
export interface ProfileNote {
  /** Which rules the note is about. */
  rules: string[];
  text: string;
  source: string;
}

export interface PeerProfile {
  id: string;
  name: string;
  limits: Partial<Record<LimitKey, Limit>>;
  notes?: ProfileNote[];
  /**
   * The peer answers gRPC requests only, with its source: a connection on which a plain HTTP request
   * got an answer is not with this peer, and its limits are left out there (rules/peerContext.ts).
   */
  grpcOnly?: string;
}

// Actions, shared by the profiles built on the same library.
const NGHTTP2_FLOODED = 'NGHTTP2_ERR_FLOODED: the connection is dropped without GOAWAY';
const APACHE_FLOODED = 'NGHTTP2_ERR_FLOODED: GOAWAY with error code 0xfffffc78 ("Flooding was detected in this HTTP/2 session"), then close';

const nghttp2Limits = (flooded: string, tooManyContinuations: string): Partial<Record<LimitKey, Limit>> => ({
  maxQueuedAcks: { value: 1000, action: flooded, source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_MAX_OBQ_FLOOD_ITEM (max_outbound_ack, v1.40.0): PING and SETTINGS ACKs queued but not yet written' },
  maxSettingsEntries: { value: 32, action: 'GOAWAY ENHANCE_YOUR_CALM "SETTINGS: too many setting entries"', source: 'nghttp2/nghttp2 lib/includes/nghttp2/nghttp2.h NGHTTP2_DEFAULT_MAX_SETTINGS (v1.41.0)' },
  resetBurst: { value: 1000, action: 'GOAWAY INTERNAL_ERROR', source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_STREAM_RESET_BURST, session_update_stream_reset_ratelim in lib/nghttp2_session.c (v1.57.0, CVE-2023-44487): every RST_STREAM a server receives takes a token' },
  resetRatePerSecond: { value: 33, source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_STREAM_RESET_RATE (v1.57.0)' },
  glitchBurst: { value: 10000, action: 'GOAWAY ENHANCE_YOUR_CALM', source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_GLITCH_BURST, session_update_glitch_ratelim (v1.67.0 1,000; v1.69.0 10,000): streams it must reset for the peer\'s errors, empty DATA without END_STREAM, PRIORITY, unknown frames' },
  glitchRatePerSecond: { value: 330, source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_GLITCH_RATE (v1.69.0; 33 in v1.67.0)' },
  maxContinuations: { value: 8, action: tooManyContinuations, source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_MAX_CONTINUATIONS, checked in nghttp2_session_mem_recv2 (v1.61.0)' },
});

export const PROFILES: readonly PeerProfile[] = [
  {
    id: 'grpc-go',
    name: 'grpc-go server (keepalive EnforcementPolicy defaults)',
    grpcOnly: 'grpc/grpc-go internal/transport/http_util.go decodeHeader (v1.33.3, as Debian packages it): a request without an application/grpc content-type is refused with RST_STREAM PROTOCOL_ERROR, never answered',
    limits: {
      pingMinIntervalMs: { value: 5 * 60_000, source: 'grpc/grpc-go keepalive/keepalive.go (EnforcementPolicy.MinTime default 5 min)' },
      pingIdleMinIntervalMs: { value: 2 * 3_600_000, source: 'grpc/grpc-go internal/transport/defaults.go (defaultPingTimeout 2 h, used when PermitWithoutStream is false and no stream is active)' },
      maxPingStrikes: { value: 2, action: 'GOAWAY ENHANCE_YOUR_CALM with debug data "too_many_pings", then closes the connection', source: 'grpc/grpc-go internal/transport/http2_server.go handlePing (maxPingStrikes = 2; the 3rd strike sends GOAWAY)' },
    },
  },
  {
    id: 'nghttp2',
    name: 'nghttp2 (nghttpx, nghttpd, Node.js, curl)',
    limits: nghttp2Limits(NGHTTP2_FLOODED, 'NGHTTP2_ERR_TOO_MANY_CONTINUATIONS: the connection is closed'),
  },
  {
    id: 'apache',
    name: 'Apache mod_http2 (over nghttp2)',
    limits: {
      ...nghttp2Limits(APACHE_FLOODED, 'closes the connection (it logs a GOAWAY with nghttp2\'s −905 "Too many CONTINUATION frames following a HEADER frame", on the wire 0xfffffc77)'),
      maxStreamErrors: { value: 8, action: 'GOAWAY PROTOCOL_ERROR (H2_SESSION_EV_BAD_CLIENT)', source: 'icing/mod_h2 mod_http2/h2_config.c H2MaxStreamErrors default 8, h2_session.c (#305, Aug 2025): client-caused flow-control errors that make the server reset the stream' },
      maxConcurrentStreams: { value: 100, source: 'icing/mod_h2 mod_http2/h2_config.c H2MaxStreams default 100' },
    },
  },
  {
    id: 'envoy',
    name: 'Envoy',
    limits: {
      maxQueuedAcks: { value: 1000, action: 'closes the connection (stat http2.outbound_control_flood)', source: 'envoyproxy/envoy api/envoy/config/core/v3/protocol.proto max_outbound_control_frames default 1000 (PING/SETTINGS ACKs and RST_STREAM queued)' },
      prematureResetStreams: { value: 500, action: 'closes the connection with GOAWAY (stat downstream_rq_too_many_premature_resets)', source: 'envoyproxy/envoy changelogs/1.27.1.yaml, source/common/http/conn_manager_impl.cc maybeDrainDueToPrematureResets: runtime overload.premature_reset_total_stream_count 500; cut once half of the closed streams were premature (before 500 closed streams: at 250)' },
      prematureResetLifetimeSeconds: { value: 1, source: 'envoyproxy/envoy source/common/http/conn_manager_impl.cc isPrematureRstStream: runtime overload.premature_reset_min_stream_lifetime_seconds 1 (a reset stream without response whose lifetime in whole seconds is not above it)' },
      maxConsecutiveEmptyFrames: { value: 1, action: 'closes the connection (stat http2.inbound_empty_frames_flood)', source: 'envoyproxy/envoy api/envoy/config/core/v3/protocol.proto max_consecutive_inbound_frames_with_empty_payload default 1' },
      windowUpdatesPerDataFrame: { value: 10, action: 'closes the connection (stat http2.inbound_window_update_frames_flood)', source: 'envoyproxy/envoy api/envoy/config/core/v3/protocol.proto max_inbound_window_update_frames_per_data_frame_sent default 10; source/common/http/http2/protocol_constraints.cc limit 5 + 2 × (opened streams + 10 × DATA frames sent)' },
    },
  },
  {
    id: 'go',
    name: 'Go net/http and golang.org/x/net/http2 server',
    limits: {
      maxQueuedAcks: { value: 10000, pingsOnly: true, queuedWhenBlocked: true, action: 'closes the connection ("http2: too many control frames in send queue, closing connection")', source: 'golang/net http2/server.go maxQueuedControlFrames = 10000 (PING ACKs; SETTINGS ACKs are not queued one per frame but coalesced: 10,000 SETTINGS got about 1,200 ACKs in the recorded floods). Only frames not yet written count (go1.24 net/http h2_bundle.go: queuedControlFrames++ in writeFrame, -- when the serve loop pops the frame to write it; an ACK fits the 4 KiB write buffer and is written at once, startFrameWrite): the queue grows only while the socket is not writable, so go1.24 answered all 20,000 PINGs of a client that read nothing (test/fixtures/floods/go1.24-std/ping-noread)' },
      maxSettingsEntries: { value: 100, action: 'GOAWAY PROTOCOL_ERROR (CountError settings_big_or_dups)', source: 'golang/net http2/server.go processSettings (more than 100 settings in one frame, or duplicates)' },
      pingTimeoutMs: { value: 15_000, action: 'the client closes the connection as dead', source: 'golang/net http2/transport.go PingTimeout default 15 s (ReadIdleTimeout health check)' },
      maxHeaderBlockBytes: { value: 1_048_896, decodedPerField: 32, action: 'GOAWAY PROTOCOL_ERROR ("http2: header list too large")', source: 'golang/net http2/frame.go readMetaFrame (CVE-2023-45288), server limit http.DefaultMaxHeaderBytes 1 MiB + 320 (http2/server.go maxHeaderListSize). Counted decoded: each field costs hpack.HeaderField.Size = name + value + 32, and the next fragment is refused once the list is past the limit (go1.24 net/http h2_bundle.go readMetaFrame): go1.24 cut the CONTINUATION flood at the 8,390th frame, 528,528 bytes on the wire (test/fixtures/floods/go1.24-std/continuation)' },
      maxConcurrentStreams: { value: 250, source: 'golang/net http2/server.go defaultMaxStreams = 250' },
    },
    notes: [
      { rules: ['rapid-reset'], text: 'Go servers run at most MAX_CONCURRENT_STREAMS handlers and answer GOAWAY ENHANCE_YOUR_CALM when more than 4 × 250 wait to start; that depends on how long the handlers run, which a log does not show', source: 'golang/net http2/server.go (CVE-2023-39325, commit b225e7ca)' },
    ],
  },
  {
    id: 'rust-h2',
    name: 'Rust h2 (hyper) server',
    limits: {
      maxPendingAcceptResets: { value: 20, action: 'GOAWAY ENHANCE_YOUR_CALM "too_many_resets"', source: 'hyperium/h2 src/proto/mod.rs DEFAULT_REMOTE_RESET_STREAM_MAX = 20 (max_pending_accept_reset_streams, v0.3.17)' },
      maxProvokedResets: { value: 1024, action: 'GOAWAY ENHANCE_YOUR_CALM "too_many_internal_resets"', source: 'hyperium/h2 src/proto/mod.rs, src/proto/streams/streams.rs max_local_error_reset_streams default 1024 (v0.4.2, MadeYouReset)' },
      maxEmptyDataFrames: { value: 100, action: 'GOAWAY ENHANCE_YOUR_CALM "too_many_data_frames"', source: 'hyperium/h2 src/proto/streams/counts.rs empty non-final DATA frames per connection (v0.4.16)' },
      maxContinuations: { value: 1280, action: 'GOAWAY ENHANCE_YOUR_CALM "too_many_continuations"', source: 'hyperium/h2 src/codec/framed_read.rs max(5, n + n/4) with n = 16 MiB / 16 KiB (v0.4.4)' },
    },
  },
  {
    id: 'nginx',
    name: 'nginx',
    limits: {
      maxRefusedStreams: { value: 129, action: 'GOAWAY NO_ERROR ("client sent too many refused streams")', source: 'nginx src/http/v2/ngx_http_v2.c ngx_http_v2_state_headers: refused_streams++ > max(http2_max_concurrent_streams, 100) (1.25.3, CVE-2023-44487)' },
      maxHeaderBlockBytes: { value: 32_768, action: 'GOAWAY ENHANCE_YOUR_CALM ("client sent too large header")', source: 'nginx src/http/v2/ngx_http_v2.c header_limit = large_client_header_buffers size × number (default 4 × 8k, src/http/ngx_http_core_module.c)' },
      maxZeroWindowMs: { value: 60_000, action: 'closes the connection (send_timeout: "client timed out")', source: 'nginx src/http/ngx_http_core_module.c send_timeout default 60 s' },
      maxConcurrentStreams: { value: 128, source: 'nginx src/http/v2/ngx_http_v2_module.c http2_max_concurrent_streams default 128' },
    },
    notes: [
      { rules: ['rapid-reset'], text: 'nginx also refuses new streams past 2 × 128 per read event ("client sent too many streams at once"); a log does not show read events', source: 'nginx src/http/v2/ngx_http_v2.c (1.25.3)' },
    ],
  },
  {
    id: 'h2o',
    name: 'h2o',
    limits: {
      resetBudget: { value: 100, action: 'each request is delayed by dos_delay (100 ms); no GOAWAY', source: 'h2o lib/http2/connection.c reset_budget (starts at max concurrent requests, 100), lib/core/config.c http2.dos-delay 100 ms (PR #3502)' },
      maxHeaderBlockBytes: { value: 417_792, action: 'RST_STREAM REFUSED_STREAM, then GOAWAY PROTOCOL_ERROR on the next CONTINUATION', source: 'h2o lib/http2/connection.c, include/h2o/header.h H2O_MAX_REQLEN = 8192 + 4096 × 100' },
      maxConcurrentStreams: { value: 100, source: 'h2o lib/core/config.c (max concurrent requests per HTTP/2 connection, 100)' },
    },
  },
  {
    id: 'haproxy',
    name: 'HAProxy',
    limits: {
      maxConcurrentStreams: { value: 100, source: 'haproxy doc/configuration.txt tune.h2.max-concurrent-streams default 100' },
    },
    notes: [
      { rules: ['rapid-reset', 'reset-flood', 'empty-frames-flood', 'window-update-dribble', 'flow-control-violation'], text: 'HAProxy ≥ 3.0 counts "glitches" (early RST_STREAM, WINDOW_UPDATE increment 0…) and answers GOAWAY ENHANCE_YOUR_CALM past tune.h2.fe.glitches-threshold, which is 0 (off) by default', source: 'haproxy src/mux_h2.c, doc/configuration.txt' },
    ],
  },
  {
    id: 'cloudflare',
    name: 'Cloudflare edge',
    limits: {},
    notes: [
      { rules: ['ping-flood'], text: 'Cloudflare has a PING-flood defence (it closed Go clients\' connections with GOAWAY ENHANCE_YOUR_CALM in 2025) but publishes no number', source: 'blog.cloudflare.com/go-and-enhance-your-calm/' },
      { rules: ['rapid-reset', 'reset-flood'], text: 'Cloudflare closes connections that reset streams rapidly (Rapid Reset, and MadeYouReset through the same defence) but publishes no number', source: 'blog.cloudflare.com/madeyoureset-an-http-2-vulnerability-thwarted-by-rapid-reset-mitigations/' },
    ],
  },
];

export function profileById(id: string): PeerProfile | undefined {
  return PROFILES.find((p) => p.id === id);
}

/** The profiles named by `ids` (unknown ids are reported by the caller); all when empty. */
export function selectProfiles(ids: readonly string[] | undefined): PeerProfile[] {
  if (!ids || ids.length === 0) return [...PROFILES];
  return PROFILES.filter((p) => ids.includes(p.id));
}
