/**
 * `npm run bench`: throughput, frames/s and peak RSS of h2lens on real big inputs, as ratios against
 * references measured in the same run on the same bytes: `wc -l` (the machine's floor) and a naive
 * Node readline + regex scan. Not a test: it prints numbers, it asserts nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SERVER_EXEC_ARGV } from '../../server/src/protocol.ts';

const root = resolve(__dirname, '../..');
const work = join(tmpdir(), 'h2lens-bench');
mkdirSync(work, { recursive: true });

async function gunzipTo(gz: string, out: string): Promise<string> {
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(gz).mtimeMs) await pipeline(createReadStream(gz), createGunzip(), createWriteStream(out));
  return out;
}

/** The worker is bundled like the shipped server and CLI, so the bench measures what ships. */
const workerJs = join(work, 'worker.js');
function worker(mode: string, file: string, nodeArgs: readonly string[] = [], extra: readonly string[] = []): Record<string, number> {
  const out = execFileSync(process.execPath, [...nodeArgs, workerJs, mode, file, ...extra], { cwd: root, maxBuffer: 1 << 20 }).toString();
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

/** Runs per measurement: this machine's timings move 10–40% between runs, so each number is a median. */
const RUNS = Math.max(1, Number(process.env['H2LENS_BENCH_RUNS'] ?? 3));

/** The run with the median wall time, and the range of wall times ("2.41–2.60 s" when runs differ). */
function median(runs: Array<Record<string, number>>): Record<string, number> {
  const sorted = [...runs].sort((x, y) => x.ms! - y.ms!);
  const lo = sorted[0]!.ms! / 1000;
  const hi = sorted[sorted.length - 1]!.ms! / 1000;
  return { ...sorted[(sorted.length - 1) >> 1]!, lo, hi, runs: runs.length };
}

const rangeOf = (m: Record<string, number>): string => (m.runs! > 1 ? `median of ${m.runs}, ${fmt(m.lo!, 2)}–${fmt(m.hi!, 2)} s` : 'one run');

function wc(file: string): number {
  const t0 = performance.now();
  const r = spawnSync('wc', ['-l', file]);
  if (r.status !== 0) throw new Error('wc failed');
  return performance.now() - t0;
}

const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/**
 * A 200 MB tshark -T json export: the real export of test/fixtures/tshark/tls-hold repeated, each copy
 * renumbered onto its own tcp.stream so the copies stay separate connections.
 */
async function tsharkJson200(out: string): Promise<string> {
  if (existsSync(out) && statSync(out).size > 190 * 1048576) return out;
  const { readFileSync, writeFileSync, appendFileSync } = await import('node:fs');
  const { gunzipSync } = await import('node:zlib');
  const text = gunzipSync(readFileSync(join(root, 'test/fixtures/tshark/tls-hold/export.json.gz'))).toString('utf8');
  const body = text.slice(text.indexOf('[') + 1, text.lastIndexOf(']')).trim();
  writeFileSync(out, '[\n');
  let written = 0;
  for (let copy = 0; written < 200 * 1048576; copy++) {
    const renumbered = body.replace(/"tcp\.stream": "(\d+)"/g, (_, n: string) => `"tcp.stream": "${copy * 100 + Number(n)}"`);
    appendFileSync(out, (copy ? ',\n' : '') + renumbered);
    written += renumbered.length;
  }
  appendFileSync(out, '\n]\n');
  return out;
}

async function main(): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [join(__dirname, 'worker.ts')], outfile: workerJs, bundle: true, platform: 'node', target: 'node18', format: 'cjs', logLevel: 'warning' });
  const inputs: Array<{ name: string; file: string; gz?: string }> = [];
  const bigGz = join(root, 'test/fixtures/big-log/server.log.gz');
  inputs.push({ name: 'Go server log under h2load (real, 254 MB)', file: await gunzipTo(bigGz, join(work, 'server.log')) });
  inputs.push({ name: 'same log read gzip-compressed', file: bigGz, gz: 'yes' });
  inputs.push({ name: 'tshark -T json export (real packets repeated to 200 MB, duplicate keys)', file: await tsharkJson200(join(work, 'tshark-200mb.json')) });

  console.log(`h2lens bench — node ${process.version}, ${new Date().toISOString()}`);
  for (const input of inputs) {
    const size = statSync(input.file).size;
    // Interleaved, so that a slow spell of the machine falls on all of them alike.
    const hRuns: Array<Record<string, number>> = [];
    const serverRuns: Array<Record<string, number>> = [];
    const naiveRuns: Array<Record<string, number>> = [];
    const wcRuns: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      hRuns.push(worker('h2lens', input.file));
      // The same analysis under the V8 flags the client starts the language server with ("Analyse from disk").
      serverRuns.push(worker('h2lens', input.file, SERVER_EXEC_ARGV));
      if (!input.gz) {
        naiveRuns.push(worker('naive', input.file));
        wcRuns.push(wc(input.file));
      }
    }
    const h = median(hRuns);
    const inServer = median(serverRuns);
    const naive = input.gz ? undefined : median(naiveRuns);
    const wcMs = input.gz ? undefined : [...wcRuns].sort((x, y) => x - y)[(wcRuns.length - 1) >> 1]!;
    const mb = (h.bytes ?? size) / 1048576;
    console.log(`\n## ${input.name}`);
    console.log(`  input        ${fmt(mb)} MB${input.gz ? ` (${fmt(size / 1048576)} MB on disk)` : ''}, ${fmt(h.lines!, 0)} lines, ${fmt(h.frames!, 0)} frames, ${fmt(h.streams!, 0)} streams, ${fmt(h.findings!, 0)} findings`);
    const peak = (runs: Array<Record<string, number>>): number => Math.max(...runs.map((r) => r.maxRssMB!));
    console.log(`  h2lens       ${fmt(h.ms! / 1000, 2)} s (${rangeOf(h)}) · ${fmt(mb / (h.ms! / 1000))} MB/s · ${fmt(h.frames! / (h.ms! / 1000), 0)} frames/s · ${fmt(h.cpuMs! / 1000, 2)} s CPU (process) · peak RSS ${fmt(peak(hRuns), 0)} MB = ${fmt(peak(hRuns) / mb, 2)}× the input (highest of the runs)`);
    console.log(`  as in server ${fmt(inServer.ms! / 1000, 2)} s (${rangeOf(inServer)}) · ${fmt(inServer.cpuMs! / 1000, 2)} s CPU · peak RSS ${fmt(peak(serverRuns), 0)} MB = ${fmt(peak(serverRuns) / mb, 2)}× the input (node ${SERVER_EXEC_ARGV.join(' ')})`);
    if (naive && wcMs !== undefined) {
      const how = input.file.endsWith('.json') ? 'JSON.parse of the whole file, loses duplicate keys' : 'readline + one regex per line, counts frames only';
      console.log(`  naive scan   ${fmt(naive.ms! / 1000, 2)} s (${rangeOf(naive)}; ${how}) · peak RSS ${fmt(naive.maxRssMB!, 0)} MB`);
      console.log(`  wc -l        ${fmt(wcMs / 1000, 2)} s`);
      console.log(`  ratios       h2lens / wc -l = ${fmt(h.ms! / wcMs)}× · h2lens / naive scan = ${fmt(h.ms! / naive.ms!, 2)}× (medians; full analysis vs the quick script)`);
    }
  }
  const tree = worker('tree', inputs[0]!.file, [], [join(root, 'test/fixtures/big-log/client-undrained.log')]);
  console.log(`\n## Connections view on the same log (${fmt(tree.streams!, 0)} streams; biggest connection ${fmt(tree.treeStreamsInBiggest!, 0)})`);
  console.log(`  first pages  ${fmt(tree.treeFirstPagesMs!, 1)} ms (index + connections + first and last 1,000 streams + 1,000 frames)`);
  console.log(`  next page    ${fmt(tree.treeNextPageMs!, 2)} ms ("Show next 1000")`);
  console.log(`\n## Exactness at scale (same log; truth: big-log/truth.json and the Go client's own log)`);
  console.log(`  cancelled-response  ${tree.cancelledResponses} findings on ${tree.cancelledConnections} connection(s); truth: the undrained Go client reset ${tree.truthResets} of its ${tree.clientStreams} streams · missed ${tree.resetsMissed} · extra ${tree.resetsExtra}`);
  console.log(`  paths named         ${tree.namedPaths} in those findings, ${tree.namedPathsWrong} not the request the client sent on that stream (the rest are left out: their fields were a guess)`);
  console.log(`  above information elsewhere  ${tree.aboveInfoElsewhere} (besides the GOAWAY warnings of h2load's early-closing connections)`);
  // The editor side: the bundled language server, as VS Code drives it.
  const { lspBench } = await import('./lsp.ts');
  await lspBench(inputs[0]!.file, tree.lines!);
}

void main();
