/**
 * One measurement in a fresh process (so peak RSS is its own): `worker.ts MODE FILE`.
 * MODE: h2lens (streaming analysis), naive (readline + one regex per line), tree (analysis + tree pages).
 */
import { createReadStream } from 'node:fs';
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
  }
  return out;
}

main().then((r) => {
  // CPU of the whole process (all its threads: GC helpers included), so it can exceed the wall time.
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ ...r, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
});
