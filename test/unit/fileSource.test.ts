/**
 * Reading logs from disk (fileSource.ts): chunks of an uncompressed file share one reused buffer, so
 * the stream analysis must copy what it keeps, and must close the file when it stops early. Uses the
 * real big-log fixture (gzip) and its first megabytes written to a temporary file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openLogFile } from '../../server/src/fileSource.ts';
import { analyzeStream } from '../../server/src/core/stream.ts';
import { analyzeText } from '../../server/src/core/analyze.ts';

const BIG_GZ = join(__dirname, '../fixtures/big-log/server.log.gz');
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('fileSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h2lens-fs-'));
  // The first 3 MB of the real big log, cut at a line end: many chunks of the reused buffer.
  const all = gunzipSync(readFileSync(BIG_GZ));
  const head = all.subarray(0, all.lastIndexOf(10, 3 << 20) + 1);
  const plain = join(dir, 'server.log');
  writeFileSync(plain, head);

  it('an uncompressed file read chunk by chunk (each copied before the next) is the file', async () => {
    const source = await openLogFile(plain);
    const parts: Buffer[] = [];
    for await (const c of source.chunks) parts.push(Buffer.from(c));
    assert.ok(parts.length > 4, `${parts.length} chunks`);
    assert.ok(Buffer.concat(parts).equals(head));
    assert.equal(source.diskBytes(), head.length);
  });

  it('the stream analysis of the file equals the analysis of its text', async () => {
    const source = await openLogFile(plain);
    const streamed = await analyzeStream(source.chunks);
    const whole = analyzeText(head.toString('utf8'));
    assert.equal(streamed.trace!.frames.length, whole.trace!.frames.length);
    assert.deepStrictEqual(streamed.findings, whole.findings);
    assert.equal(streamed.lines, whole.trace!.lineCount);
  });

  it('the gzip file reads the same bytes as its text', async () => {
    const source = await openLogFile(BIG_GZ);
    assert.equal(source.gzip, true);
    let n = 0;
    for await (const c of source.chunks) n += c.byteLength;
    assert.equal(n, all.length);
  });

  it('a file refused at its first bytes is closed (hand-made: binary bytes)', async () => {
    const binary = join(dir, 'binary.log');
    writeFileSync(binary, Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) & 0xff)));
    const before = openFds();
    const a = await analyzeStream((await openLogFile(binary)).chunks);
    assert.ok(a.error, 'binary input is refused');
    assert.equal(openFds(), before);
    rmSync(dir, { recursive: true, force: true });
  });
});
