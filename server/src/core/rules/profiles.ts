/**
 * Peer profiles: the limits real HTTP/2 implementations enforce, each number with its source.
 * docs/rules.md renders this table; rules take every threshold from here, never from a literal.
 */

export interface Limit {
  value: number;
  /** Where the number comes from (repository path, commit or document). */
  source: string;
}

export interface PeerProfile {
  id: string;
  name: string;
  /** What the implementation does when its PING defence trips. */
  pingAction?: string;
  /** grpc-go style keepalive enforcement: pings closer than minTime are strikes. */
  pingStrikes?: {
    minTimeMs: Limit;
    /** Interval required while no stream is active (PermitWithoutStream=false). */
    idleMinTimeMs: Limit;
    maxStrikes: Limit;
    goawayDebug: string;
  };
  /** Queued, not yet written PING/SETTINGS ACKs before the peer gives up (peer does not read its ACKs). */
  maxQueuedAcks?: Limit;
  /** Liveness: how long a PING may wait for its ACK before the pinger gives up. */
  pingTimeoutMs?: Limit;
  /** CONTINUATION frames allowed after one HEADERS. */
  maxContinuations?: Limit;
  /** Streams reset by the peer before the server accepted them (Rust h2) or similar reset budgets. */
  maxResets?: Limit & { action: string };
  /** Empty DATA/HEADERS/CONTINUATION frames without END_STREAM. */
  maxEmptyFrames?: Limit & { action: string };
  /** MAX_CONCURRENT_STREAMS the implementation advertises by default. */
  maxConcurrentStreams?: Limit;
}

export const PROFILES: readonly PeerProfile[] = [
  {
    id: 'grpc-go',
    name: 'grpc-go server (keepalive EnforcementPolicy defaults)',
    pingAction: 'GOAWAY ENHANCE_YOUR_CALM with debug data "too_many_pings", then closes the connection',
    pingStrikes: {
      minTimeMs: { value: 5 * 60_000, source: 'grpc/grpc-go keepalive/keepalive.go (EnforcementPolicy.MinTime default 5 min)' },
      idleMinTimeMs: { value: 2 * 3_600_000, source: 'grpc/grpc-go internal/transport/defaults.go (defaultPingTimeout 2 h, used when PermitWithoutStream is false and no stream is active)' },
      maxStrikes: { value: 2, source: 'grpc/grpc-go internal/transport/http2_server.go handlePing (maxPingStrikes = 2; the 3rd strike sends GOAWAY)' },
      goawayDebug: 'too_many_pings',
    },
  },
  {
    id: 'nghttp2',
    name: 'nghttp2 (Apache mod_http2, nghttpx, Node.js, curl)',
    pingAction: 'NGHTTP2_ERR_FLOODED: the connection is dropped (Apache mod_http2 sends GOAWAY with error code 0xfffffc78)',
    maxQueuedAcks: { value: 1000, source: 'nghttp2/nghttp2 lib/nghttp2_session.h NGHTTP2_DEFAULT_MAX_OBQ_FLOOD_ITEM (max_outbound_ack, v1.40.0)' },
    maxContinuations: { value: 8, source: 'nghttp2/nghttp2 lib/nghttp2_session.c NGHTTP2_DEFAULT_MAX_CONTINUATIONS (v1.61.0)' },
    maxResets: { value: 1000, action: 'GOAWAY INTERNAL_ERROR (token bucket: burst 1,000, then 33 per second)', source: 'nghttp2/nghttp2 lib/nghttp2_session.c session_update_stream_reset_ratelim (v1.57.0)' },
  },
  {
    id: 'envoy',
    name: 'Envoy',
    pingAction: 'closes the connection (stat http2.outbound_control_flood)',
    maxQueuedAcks: { value: 1000, source: 'envoyproxy/envoy api/envoy/config/core/v3/protocol.proto max_outbound_control_frames default 1000' },
    maxEmptyFrames: { value: 1, action: 'closes the connection (stat http2.inbound_empty_frames_flood)', source: 'envoyproxy/envoy api/envoy/config/core/v3/protocol.proto max_consecutive_inbound_frames_with_empty_payload default 1' },
    maxResets: { value: 500, action: 'closes the connection with GOAWAY once more than half of 500 streams were reset within 1 s of opening', source: 'envoyproxy/envoy changelogs/1.27.1.yaml overload.premature_reset_total_stream_count 500' },
  },
  {
    id: 'go',
    name: 'Go net/http and golang.org/x/net/http2 server',
    pingAction: 'closes the connection ("too many control frames in send queue")',
    maxQueuedAcks: { value: 10000, source: 'golang/net http2/server.go maxQueuedControlFrames = 10000' },
    pingTimeoutMs: { value: 15_000, source: 'golang/net http2/transport.go PingTimeout default 15 s (ReadIdleTimeout health check)' },
    maxConcurrentStreams: { value: 250, source: 'golang/net http2/server.go defaultMaxStreams = 250' },
  },
  {
    id: 'rust-h2',
    name: 'Rust h2 (hyper) server',
    maxResets: { value: 20, action: 'GOAWAY ENHANCE_YOUR_CALM "too_many_resets"', source: 'hyperium/h2 src/proto/mod.rs DEFAULT_REMOTE_RESET_STREAM_MAX = 20 (max_pending_accept_reset_streams, v0.3.17)' },
    maxEmptyFrames: { value: 100, action: 'GOAWAY ENHANCE_YOUR_CALM "too_many_data_frames"', source: 'hyperium/h2 src/proto/streams/counts.rs empty non-final DATA frames per connection (v0.4.16)' },
    maxContinuations: { value: 1280, source: 'hyperium/h2 src/codec/framed_read.rs max(5, n + n/4) with n = 16 MiB / 16 KiB (v0.4.4)' },
  },
  {
    id: 'nginx',
    name: 'nginx',
    maxConcurrentStreams: { value: 128, source: 'nginx src/http/v2/ngx_http_v2_module.c http2_max_concurrent_streams default 128' },
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
