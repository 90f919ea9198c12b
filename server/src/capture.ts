/**
 * Turning a pcap/pcapng capture into a tshark JSON export: finds tshark, a TLS key log beside the
 * capture, and runs tshark with execFile-style arguments (never a shell). Used by the extension's
 * "Open capture in h2lens"; no vscode import, so it is tested directly.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface CaptureOptions {
  /** Setting h2lens.tsharkPath; otherwise tshark is looked up on PATH. */
  tsharkPath?: string;
  /** Setting h2lens.tlsKeyLogFile; otherwise a *.keys / sslkeylog* / keylog* file beside the capture. */
  keyLogFile?: string;
  /** Cleartext HTTP/2 (h2c) ports to decode as HTTP/2 (`-d tcp.port==N,http2`). */
  h2cPorts?: number[];
}

export class TsharkMissing extends Error {
  constructor(tried: string) {
    super(`tshark was not found (${tried}). Install Wireshark's tshark (Debian/Ubuntu: apt-get install tshark; macOS: brew install wireshark) or set h2lens.tsharkPath.`);
  }
}

/** tshark on PATH (or the configured path), checked to exist. */
export function findTshark(configured?: string): string {
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new TsharkMissing(`h2lens.tsharkPath is ${configured}`);
  }
  const names = process.platform === 'win32' ? ['tshark.exe'] : ['tshark'];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const n of names) if (dir && existsSync(join(dir, n))) return join(dir, n);
  }
  throw new TsharkMissing('not on PATH');
}

/** A TLS key log next to the capture, as browsers and Go's KeyLogWriter write them. */
export async function findKeyLog(capture: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(dirname(capture));
  } catch {
    return undefined;
  }
  const hit = names.sort().find((n) => /\.keys$|^sslkeylog|^keylog|sslkeylog\.txt$/i.test(n));
  return hit ? join(dirname(capture), hit) : undefined;
}

export async function tsharkArgs(capture: string, opts: CaptureOptions): Promise<string[]> {
  const args = ['-r', capture, '-Y', 'http2', '-T', 'json'];
  const keys = opts.keyLogFile ?? (await findKeyLog(capture));
  if (keys) args.push('-o', `tls.keylog_file:${keys}`);
  for (const port of opts.h2cPorts ?? []) {
    if (Number.isInteger(port) && port > 0 && port < 65536) args.push('-d', `tcp.port==${port},http2`);
  }
  return args;
}

/**
 * Runs tshark on the capture and writes its JSON export to `out`. Resolves with the arguments used;
 * rejects with tshark's own error text. `signal` kills tshark.
 */
export async function exportCapture(capture: string, out: string, opts: CaptureOptions = {}, signal?: AbortSignal): Promise<{ tshark: string; args: string[] }> {
  const tshark = findTshark(opts.tsharkPath);
  const args = await tsharkArgs(capture, opts);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(tshark, args, { shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    const sink = createWriteStream(out);
    child.stdout.pipe(sink);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { if (stderr.length < 4096) stderr += b.toString('utf8'); });
    const onAbort = (): void => { child.kill(); };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      sink.end(() => {
        if (signal?.aborted) reject(new Error('cancelled'));
        else if (code !== 0) reject(new Error(`tshark exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
        else resolve();
      });
    });
  });
  return { tshark, args };
}
