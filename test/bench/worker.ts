/**
 * One measurement in a fresh process (so peak RSS is its own): `worker.ts MODE FILE`.
 * MODE: h2lens (streaming analysis), naive (readline + one regex per line), tree (analysis + tree pages).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { analyzeStream } from '../../server/src/core/stream.ts';
import { openLogFile } from '../../server/src/fileSource.ts';
import { TreeIndex } from '../../server/src/core/views/tree.ts';

const [mode, file] = process.argv.slice(2) as [string, string];

async function main(): Promise<Record<string, number>> {
  const t0 = performance.now();
  if (mode === 'naive' && file.endsWith('.json')) {
    // What a quick script would do with a tshark export: JSON.parse it whole (and lose duplicate keys).
    const { readFileSync } = await import('node:fs');
    const packets = JSON.parse(readFileSync(file, 'utf8')) as Array<{ _source?: { layers?: { http2?: unknown } } }>;
    const frames = packets.filter((p) => p._source?.layers?.http2 !== undefined).length;
    return { ms: performance.now() - t0, frames, lines: 0 };
  }
  if (mode === 'naive') {
    // What a quick script would do: every line through a regex.
    const re = /http2: Framer (0x[0-9a-f]+): (wrote|read) ([A-Z_]+) (?:flags=(\S+) )?(?:stream=(\d+) )?len=(\d+)/;
    let frames = 0;
    let lines = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      lines++;
      if (re.exec(line)) frames++;
    }
    return { ms: performance.now() - t0, frames, lines };
  }
  const source = await openLogFile(file);
  const a = await analyzeStream(source.chunks);
  const parsedMs = performance.now() - t0;
  const out: Record<string, number> = { ms: parsedMs, frames: a.trace?.frames.length ?? 0, lines: a.lines, bytes: a.bytes, findings: a.findings.length, streams: a.trace?.connections.reduce((n, c) => n + c.streams.size, 0) ?? 0 };
  if (mode === 'tree') {
    const t1 = performance.now();
    const index = new TreeIndex(a);
    const conns = index.connections();
    const biggest = [...conns].sort((x, y) => y.streams - x.streams)[0]!;
    const first = index.streams(biggest.id, 0, 1000);
    const last = index.streams(biggest.id, Math.max(0, biggest.streams - 1000), 1000);
    const frames = index.frames(biggest.id, first.items[0]!.id, 0, 1000);
    out.treeFirstPagesMs = performance.now() - t1;
    out.treeStreamsInBiggest = biggest.streams;
    out.treeItems = first.items.length + last.items.length + frames.items.length;
    const t2 = performance.now();
    index.streams(biggest.id, 5000, 1000);
    out.treeNextPageMs = performance.now() - t2;
    Object.assign(out, exactness(a.findings, process.argv[4]));
  }
  return out;
}

/**
 * #8's exactness at scale, on the big log: the cancelled responses of the undrained Go client, and the
 * paths their findings name checked against that client's own log (`clientLog`: one connection, so its
 * `Transport encoding header ":path"` line before each `wrote HEADERS` is that stream's, no guess).
 */
function exactness(findings: ReadonlyArray<{ rule: string; severity: string; connection?: string; message: string }>, clientLog: string | undefined): Record<string, number> {
  const cancelled = findings.filter((f) => f.rule === 'cancelled-response');
  const cancelledOn = new Set(cancelled.map((f) => f.connection));
  const out: Record<string, number> = {
    cancelledResponses: cancelled.length,
    cancelledConnections: cancelledOn.size,
    // Above information anywhere but on the undrained connection and h2load B's early-closing ones (GOAWAY warnings).
    aboveInfoElsewhere: findings.filter((f) => f.severity !== 'info' && !cancelledOn.has(f.connection) && f.rule !== 'goaway').length,
  };
  if (!clientLog) return out;
  const pathOf = new Map<number, string>();
  let path: string | undefined;
  for (const line of readFileSync(clientLog, 'utf8').split('\n')) {
    const p = line.indexOf('Transport encoding header ":path" = "');
    if (p >= 0) path = line.slice(p + 37, line.lastIndexOf('"'));
    const w = line.indexOf(': wrote HEADERS ');
    if (w >= 0 && path !== undefined) {
      const s = line.indexOf(' stream=', w);
      pathOf.set(Number.parseInt(line.slice(s + 8), 10), path);
      path = undefined;
    }
  }
  let named = 0;
  let wrong = 0;
  for (const f of cancelled) {
    // "Stream 17 GET /empty/9: …" names the request; "Stream 17: …" does not (its fields were a guess).
    const m = /^Stream (\d+) (?:[A-Z]+ )?(\/[^ :]*):/.exec(f.message);
    if (!m) continue;
    named++;
    if (pathOf.get(Number(m[1])) !== m[2]) wrong++;
  }
  // The streams truth.json (beside the client's log) says the client reset, against those reported.
  const truth = JSON.parse(readFileSync(join(dirname(clientLog), 'truth.json'), 'utf8')) as { expected: Array<{ finding: string; streams?: number[] }> };
  const expected = new Set(truth.expected.find((e) => e.finding === 'client-rst-stream-cancel')?.streams ?? []);
  const reported = new Set(cancelled.map((f) => Number(/^Stream (\d+)/.exec(f.message)?.[1])));
  const missed = [...expected].filter((s) => !reported.has(s)).length;
  const extra = [...reported].filter((s) => !expected.has(s)).length;
  return { ...out, namedPaths: named, namedPathsWrong: wrong, clientStreams: pathOf.size, truthResets: expected.size, resetsMissed: missed, resetsExtra: extra };
}

main().then((r) => {
  // CPU of the whole process (all its threads: GC helpers included), so it can exceed the wall time.
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ ...r, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
});
