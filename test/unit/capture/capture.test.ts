/** "Open capture": tshark run on a real capture (when installed), its export analysed like any tshark JSON. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { exportCapture, findKeyLog, findTshark, TsharkMissing, tsharkArgs } from '../../../server/src/capture.ts';

const capture = resolve(__dirname, '../../fixtures/tshark/tls-hold/capture.pcapng');
const truth = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/tshark/tls-hold/truth.json'), 'utf8')) as { tshark_rst_stream: Array<{ from: string; stream: number; error: number }> };

let tshark: string | undefined;
try { tshark = findTshark(); } catch { tshark = undefined; }

describe('capture → tshark JSON', () => {
  it('finds the TLS key log beside the capture and builds argument lists (no shell)', async () => {
    assert.match((await findKeyLog(capture))!, /sslkeylog\.txt$/);
    const args = await tsharkArgs(capture, { h2cPorts: [8080, 0, 70000] });
    assert.deepEqual(args.slice(0, 6), ['-r', capture, '-Y', 'http2', '-T', 'json']);
    assert.ok(args.includes(`tls.keylog_file:${await findKeyLog(capture)}`));
    assert.deepEqual(args.filter((a) => a.startsWith('tcp.port')), ['tcp.port==8080,http2']);
  });

  it('says how to install tshark when it is missing', () => {
    assert.throws(() => findTshark('/nonexistent/tshark'), (e: unknown) => e instanceof TsharkMissing && /apt-get install tshark/.test((e as Error).message));
  });

  it('exports the real TLS capture and finds the cancelled responses', { skip: tshark ? false : 'tshark is not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2lens-capture-'));
    try {
      const out = join(dir, 'export.json');
      await exportCapture(capture, out);
      const a = analyzeText(readFileSync(out, 'utf8'));
      assert.equal(a.format, 'tshark-json');
      const cancelled = a.findings.filter((f) => f.rule === 'cancelled-response').map((f) => f.stream).sort((x, y) => x! - y!);
      const expected = truth.tshark_rst_stream.filter((r) => r.from === 'client' && r.error === 8).map((r) => r.stream).sort((x, y) => x - y);
      assert.deepEqual(cancelled, expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
