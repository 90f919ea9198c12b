/**
 * Run by streamState.test.ts in a child process with a small heap: a Go log (hand-made lines) of N
 * connections with one stream each goes through parse and buildTrace, and prints what it built.
 */
import { parseGoHttp2debug } from '../../server/src/core/formats/goHttp2debug.ts';
import { buildTrace } from '../../server/src/core/model/trace.ts';

const n = Number(process.argv[2]);
const lines: string[] = [];
for (let i = 0; i < n; i++) {
  const framer = `2026/11/24 12:00:00 http2: Framer 0x${(0xc000000000 + i * 16).toString(16)}: `;
  lines.push(`${framer}wrote SETTINGS len=0`, `${framer}wrote HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10`);
}
const trace = buildTrace(parseGoHttp2debug(lines.join('\n')));
console.log(JSON.stringify({ connections: trace.connections.length, streams: trace.connections.reduce((a, c) => a + c.streams.size, 0) }));
