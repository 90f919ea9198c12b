/**
 * The profiles a connection's peer can be. All profiles are evaluated by default, since a log rarely
 * names its peer, but some peers can be ruled out by what the connection carried: a grpc-go server
 * refuses every request that is not gRPC (PeerProfile.grpcOnly), so on a connection where a plain HTTP
 * request got an answer, "grpc-go would cut here" is about no peer that could be on the other end. A Go
 * client's health-check PINGs to a Go server were reported as a ping-flood error that way.
 */
import { headerValue, isGrpcStream, type Connection } from '../model/trace.ts';
import type { RuleContext } from './types.ts';

const withoutGrpcOnly = new WeakMap<RuleContext, RuleContext>();

/** `ctx`, or the same without the profiles this connection's peer cannot be (cached per `ctx`). */
export function contextForPeer(conn: Connection, ctx: RuleContext): RuleContext {
  if (!ctx.profiles.some((p) => p.grpcOnly) || !answersPlainHttp(conn)) return ctx;
  let derived = withoutGrpcOnly.get(ctx);
  if (!derived) {
    derived = {
      ...ctx,
      profiles: ctx.profiles.filter((p) => !p.grpcOnly),
      notApplied: [...(ctx.notApplied ?? []), ...ctx.profiles.filter((p) => p.grpcOnly).map((profile) => ({
        profile,
        reason: `not applied to this connection: a plain HTTP request on it got an answer, and this server answers gRPC only (${profile.grpcOnly})`,
      }))],
    };
    withoutGrpcOnly.set(ctx, derived);
  }
  return derived;
}

/**
 * Did a request that is no gRPC call (isGrpcStream) get an answer (a :status)?
 * Only streams whose fields the log tied to them count (not Stream.headersGuessed).
 */
function answersPlainHttp(conn: Connection): boolean {
  for (const s of conn.streamList) {
    if (s.headersGuessed || headerValue(s.requestHeaders, ':method') === undefined || headerValue(s.responseHeaders, ':status') === undefined) continue;
    if (!isGrpcStream(s)) return true;
  }
  return false;
}
