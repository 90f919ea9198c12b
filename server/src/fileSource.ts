/** Reading a log from disk as a byte stream, gunzipping `.gz` (by magic bytes, not by name). */
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';

export interface FileSource {
  chunks: AsyncIterable<Uint8Array>;
  /** Size on disk (compressed size for gzip). */
  size: number;
  gzip: boolean;
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
  const raw = createReadStream(path, { highWaterMark: 1 << 18 });
  let diskBytes = 0;
  raw.on('data', (b) => { diskBytes += (b as Buffer).length; });
  const chunks = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  return { chunks, size: stat.size, gzip, diskBytes: () => diskBytes };
}
