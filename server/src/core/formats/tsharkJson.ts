/**
 * tshark / Wireshark `-T json` exports: the default form with DUPLICATE keys (several `"http2"`
 * members in one `layers` object, repeated `"http2.header"` / `"http2.settings"`; also what the
 * Wireshark GUI's "Export Packet Dissections → As JSON" writes) and `--no-duplicate-keys` (arrays
 * where a key repeats, a plain value where it does not). Both go through the streaming tokenizer,
 * one packet at a time: linear time, memory bounded by the largest packet, never the file.
 * Files on disk come in as bytes (`writeBytes`, jsonBytes.ts): the layers that are skipped and the
 * fields that are not read are never decoded to text.
 */
import type { ParsedLog } from '../model/frame.ts';
import { CaptureCollector, KEPT_LAYERS, dotted, tsharkLayers } from './capture.ts';
import type { ByteChunkParser } from './byteChunk.ts';
import { TextOrBytes } from './byteChunk.ts';
import { parseAll } from './incremental.ts';
import { JsonByteTokenizer } from './jsonBytes.ts';
import type { JsonError } from './jsonTokenizer.ts';
import { JsonTokenizer, TreeBuilder } from './jsonTokenizer.ts';
import { formatNumber } from '../numberText.ts';

export const TSHARK_JSON_FORMAT = 'tshark-json';

/** Shared by the JSON-based capture formats: what went wrong with the JSON itself, in words. */
export function jsonTroubleNotes(tok: { error: JsonError | undefined; incomplete: boolean }, builder: TreeBuilder, what: string, records: number, frames: number, recordWord: string): string[] {
  const notes: string[] = [];
  const read = `the ${formatNumber(frames)} HTTP/2 frames of the ${formatNumber(records)} complete ${recordWord}s before it were read`;
  if (tok.error) {
    notes.push(`The ${what} is malformed at line ${tok.error.line + 1}, column ${tok.error.col + 1} (${tok.error.message}); reading stopped there: ${read}.`);
  } else if (tok.incomplete) {
    const at = builder.recordLine >= 0 ? ` inside the ${recordWord} that starts on line ${builder.recordLine + 1}` : '';
    notes.push(`The ${what} ends${at} without its closing brackets: the file is truncated (an interrupted export or capture?); ${read}.`);
  }
  if (builder.overflowCount > 0) notes.push(`${formatNumber(builder.overflowCount)} ${recordWord}(s) were too large to keep whole; only their beginning was read.`);
  return notes;
}

/**
 * What CaptureCollector.addPacket (capture.ts) reads, by the role of the object it reads it from; the
 * other members are read but not built (most of an export: flags trees, TCP options and analysis,
 * HPACK details), and their text is never decoded. An object's role shows in its member name (or,
 * for an array element, the array's): a packet's `frame` / `tcp` / `ip` / `ipv6` layer (the object
 * under `layers`), an `http2` layer (which may itself be the frame), an `http2.stream` frame, an
 * `http2.header` field; `http2.settings` entries are read whole, and so is any object whose role is
 * not one of these. Keep in step with capture.ts: the tests (tsharkBytes.test.ts) compare against
 * whole layers on the fixtures and on fuzzed packets.
 */
export const READ_LAYER_FIELDS = new Set([
  'frame.time_epoch',
  'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags',
  // addPacket reads the ipv6 layer under the ip names when `ip` is not an object: both, in both.
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
]);
const FIELD_LAYERS = new Set(['frame', 'tcp', 'ip', 'ipv6']);
/** Read from a frame (addFrame, headers, settings; the EK fallbacks included). */
export const READ_FRAME_FIELDS = new Set([
  'http2.magic', 'http2.type', 'http2.flags', 'http2.streamid', 'http2.length', 'http2.data.data',
  'http2.rst_stream.error', 'http2.ping', 'http2.pong',
  'http2.goaway.last_stream_id', 'http2.goaway.error', 'http2.goaway.addata', 'http2.window_update.window_size_increment',
  'http2.header', 'http2.header.name', 'http2.header.value', 'http2.settings',
]);
const READ_HEADER_FIELDS = new Set(['http2.header.name', 'http2.header.value']);

const readLayerField = (k: string): boolean => READ_LAYER_FIELDS.has(k);
const readFrameField = (k: string): boolean => READ_FRAME_FIELDS.has(k) || k.startsWith('http2.settings.');
// A layer without http2.stream is read as the frame itself.
const readHttp2Field = (k: string): boolean => k === 'http2.stream' || readFrameField(k);
const readHeaderField = (k: string): boolean => READ_HEADER_FIELDS.has(k);

/** The members of a container CaptureCollector reads, by the container's name (an array element: the array's). */
function readByCollector(key: string | undefined, parentKey: string | undefined): ((member: string) => boolean) | undefined {
  if (key !== undefined && parentKey === 'layers' && FIELD_LAYERS.has(key)) return readLayerField;
  const role = key ?? parentKey;
  if (role === 'http2') return readHttp2Field;
  if (role === 'http2.stream') return readFrameField;
  if (role === 'http2.header') return readHeaderField;
  return undefined;
}

export interface TsharkJsonOptions {
  /** Build the kept layers whole (the reference the trimmed trees are tested against). */
  wholeLayers?: boolean;
}

export function createTsharkJsonParser(opts: TsharkJsonOptions = {}): ByteChunkParser {
  const collector = new CaptureCollector(dotted);
  let records = 0;
  let notPackets = 0;
  const builder = new TreeBuilder({
    // The elements of the top-level array (or a lone top-level object) are the packets.
    isRoot: (depth, _key, _parent, isArray) => !isArray && (depth === 0 || depth === 1),
    skip: (key, parentKey) => parentKey === 'layers' && !KEPT_LAYERS.has(key),
    members: opts.wholeLayers ? undefined : readByCollector,
    onRecord: (root) => {
      records++;
      const layers = tsharkLayers(root);
      if (!layers) { notPackets++; return; }
      collector.addPacket(layers, root.line);
    },
  });
  const input = new TextOrBytes('tshark JSON parser', () => new JsonTokenizer(builder), () => new JsonByteTokenizer(builder));
  return {
    write: (chunk) => input.writeText(chunk),
    writeBytes: (chunk) => input.writeBytes(chunk),
    finish(): ParsedLog {
      const t = input.fed();
      t.end();
      const notes = jsonTroubleNotes(t, builder, 'JSON export', collector.packets, collector.frames.length, 'packet');
      if (collector.packets === 0 && (notPackets > 0 || !t.error)) {
        notes.push('This JSON is not a tshark/Wireshark packet export: no object has "_source": {"layers": …}. Export the capture with tshark -T json (or Wireshark: File → Export Packet Dissections → As JSON).');
      }
      return collector.finish(TSHARK_JSON_FORMAT, t.line, notes);
    },
  };
}

export function parseTsharkJson(text: string): ParsedLog {
  return parseAll(createTsharkJsonParser(), text);
}

/** A file's bytes, whole or in chunks (what analyzeStream does with a file on disk). */
export function parseTsharkJsonBytes(chunks: Iterable<Uint8Array>, opts: TsharkJsonOptions = {}): ParsedLog {
  const p = createTsharkJsonParser(opts);
  for (const c of chunks) p.writeBytes(c);
  return p.finish();
}
