/**
 * Well-known PING payloads, so a hover can say who sent a PING
 * (research notes §1.7: grpc-go bdp_estimator.go / http2_server.go, hyperium/h2 src/frame/ping.rs).
 */
const KNOWN: Record<string, string> = {
  '02041010090e0707': 'grpc-go BDP estimator ping (bandwidth-delay product probing)',
  '0106010800030309': 'grpc-go server graceful-shutdown ping',
  '3b7cdb7a0b8716b4': 'Rust h2 user ping (hyper keep-alive or adaptive-window/BDP ping)',
  '0b7ba2f08b9bfe54': 'Rust h2 shutdown ping',
  '0000000000000000': 'all zeros: a simple client or a test tool',
};

export function pingFingerprint(hex: string): string | undefined {
  return KNOWN[hex.toLowerCase()];
}
