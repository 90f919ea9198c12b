/** Reading a log from disk as a byte stream, gunzipping `.gz` (by magic bytes, not by name). */
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';

export interface FileSource {
  /**
   * The bytes, chunk by chunk. A chunk is only valid until the next one is asked for (an uncompressed
   * file is read into two reused buffers): a consumer copies what it keeps.
   */
  chunks: AsyncIterable<Uint8Array>;
  /** Size on disk (compressed size for gzip). */
  size: number;
  gzip: boolean;
  /** The bytes `chunks` will yield, when known before reading them (not for gzip). */
  length: number | undefined;
  /** Bytes read from disk so far (for progress on compressed input). */
  diskBytes: () => number;
}

export async function openLogFile(path: string): Promise<FileSource> {
  const stat = await fs.stat(path);
  if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  const fh = await fs.open(path, 'r');
  const magic = Buffer.alloc(2);
  await fh.read(magic, 0, 2, 0);
  await fh.close();
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  let diskBytes = 0;
  if (!gzip) {
    // Two buffers, read into again and again: a stream's fresh buffer per chunk would leave tens of MB
    // of read chunks waiting for the garbage collector on a big file. The next chunk is read while the
    // consumer works on this one (else the analysis would sit idle through every read).
    async function* reusing(): AsyncGenerator<Buffer> {
      const file = await fs.open(path, 'r');
      let reading: Promise<{ bytesRead: number }> | undefined;
      try {
        const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;
        let k = 0;
        reading = file.read(buffers[0], 0, CHUNK, null);
        for (;;) {
          const { bytesRead } = await reading;
          reading = undefined;
          if (bytesRead === 0) return;
          diskBytes += bytesRead;
          const chunk = buffers[k]!.subarray(0, bytesRead);
          k ^= 1;
          // The other buffer: the consumer is done with it once it asks for this chunk.
          reading = file.read(buffers[k]!, 0, CHUNK, null);
          yield chunk;
        }
      } finally {
        // A read still under way must end before the file closes (and its buffer is let go).
        await reading?.catch(() => undefined);
        await file.close();
      }
    }
    return { chunks: reusing(), size: stat.size, gzip, length: stat.size, diskBytes: () => diskBytes };
  }
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  raw.on('data', (b) => { diskBytes += (b as Buffer).length; });
  // Gunzip hands out a fresh buffer per chunk: 256 KB ones are let go sooner than 1 MB ones (the 254 MB
  // log's peak in the server: 247–249 MB against 255–264 MB), at the same speed.
  return { chunks: raw.pipe(createGunzip({ chunkSize: 1 << 18 })), size: stat.size, gzip, length: undefined, diskBytes: () => diskBytes };
}

const CHUNK = 1 << 19;
