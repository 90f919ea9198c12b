/**
 * Go's HTTP/2 client errors as an application logs them, without GODEBUG=http2debug: the error of a
 * request whose connection the server closed with a GOAWAY (net/http's bundled http2 GoAwayError,
 * golang.org/x/net/http2 transport.go: `http2: server sent GOAWAY and closed the connection;
 * LastStreamID=%v, ErrCode=%v, debug=%q`), and that of a request whose connection Go closed because
 * its health-check PING went unanswered (`http2: client connection lost`). Such a log has no frame to
 * analyse, but these lines are often all a team has when a service starts failing: the note says what
 * they mean and how to see more.
 */
import { formatNumber } from '../numberText.ts';

/** The message after `http2: `. */
export const GOAWAY_ERROR = 'server sent GOAWAY and closed the connection; ';
/**
 * The message after `http2: ` of a request whose connection Go closed because its health-check PING
 * got no ACK (closeForLostPing, the only source of this error in net/http and x/net).
 */
export const LOST_ERROR = 'client connection lost';

const LOST_MEANING = 'Go\'s Transport closes a connection as lost when its health check fails: after ReadIdleTimeout without a frame from the server (http.HTTP2Config.SendPingTimeout, http2.Transport.ReadIdleTimeout) it sends a PING, and no ACK came within PingTimeout. The server, or something between (a load balancer, a NAT that dropped the connection without a reset), stopped answering: hung, overloaded, or no longer reading that connection. Each request in flight on it failed.';

/** What a GOAWAY's error code says about the client that received it. */
function meaning(code: string): string {
  switch (code) {
    case 'ENHANCE_YOUR_CALM':
      return 'ENHANCE_YOUR_CALM is a server\'s flood defence: it judged the load this client sends excessive (RFC 9113 §10.5). Go clients set one off by resetting many streams: requests cancelled before their response ended (short timeouts, cancelled contexts: rapid reset, CVE-2023-44487), or response bodies closed without being read to the end (Go ≥ 1.24 sends a PING with each of those resets, which edges count as a PING flood, CVE-2019-9512). Run h2lens check on the client\'s Go source to find bodies closed undrained.';
    case 'NO_ERROR':
      return 'NO_ERROR is a graceful close (a server shutting down, or recycling connections by age or idleness): requests on streams above LastStreamID were not processed and can be retried.';
    default:
      return `${code} means the server closed the connection on an error (RFC 9113 §7).`;
  }
}

/** Counts the GOAWAY errors of a log, by error code, and the lost connections' errors, and where the first of each is. */
export class GoClientErrors {
  private count = 0;
  private firstLine = -1;
  private readonly byCode = new Map<string, number>();
  private lostCount = 0;
  private firstLost = -1;

  /** A line whose text after `http2: ` starts with LOST_ERROR. */
  lost(lineNo: number): void {
    if (this.lostCount++ === 0) this.firstLost = lineNo;
  }

  /** `message`: a line's text after `http2: ` that starts with GOAWAY_ERROR. */
  goaway(message: string, lineNo: number): void {
    const at = message.indexOf('ErrCode=', GOAWAY_ERROR.length);
    const end = at < 0 ? -1 : message.indexOf(',', at);
    const code = at < 0 ? 'unknown' : message.slice(at + 8, end < 0 ? Math.min(message.length, at + 64) : end).trim() || 'unknown';
    // Bounded: the codes of one log are few, a crafted log's are not.
    if (this.byCode.has(code) || this.byCode.size < 16) this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    if (this.count++ === 0) this.firstLine = lineNo;
  }

  /** What to tell of a log of `lineCount` lines if it has no frame (ParsedLog.noFrameNote), or undefined when it has no such error. */
  noFrameNote(lineCount: number): string | undefined {
    const told: string[] = [];
    if (this.count > 0) {
      const codes = [...this.byCode].sort((a, b) => b[1] - a[1]);
      const which = codes.length === 1 ? `ErrCode=${codes[0]![0]}${this.count > 1 ? ` in all ${formatNumber(this.count)}` : ''}` : codes.map(([c, n]) => `ErrCode=${c} ×${formatNumber(n)}`).join(', ');
      told.push(`${errorLines(this.count)} Go's HTTP/2 client error "server sent GOAWAY and closed the connection" (first at line ${formatNumber(this.firstLine + 1)}): ${which}. ${meaning(codes[0]![0])}`);
    }
    if (this.lostCount > 0) told.push(`${errorLines(this.lostCount)} Go's HTTP/2 client error "${LOST_ERROR}" (first at line ${formatNumber(this.firstLost + 1)}). ${LOST_MEANING}`);
    if (told.length === 0) return undefined;
    const [first, ...more] = told;
    return `No HTTP/2 frame found in ${formatNumber(lineCount)} lines, but ${first}${more.map((t) => ` And ${t}`).join('')} To see the frames, run the client with GODEBUG=http2debug=2 and save its standard error.`;
  }
}

function errorLines(count: number): string {
  return count === 1 ? 'one of them is' : `${formatNumber(count)} of them are`;
}
