/**
 * tshark `-T ek` (Elasticsearch bulk, newline-delimited): `{"index":…}` lines alternating with
 * `{"timestamp":"…","layers":{…}}` packet lines whose field names are flattened
 * (`http2_http2_type`); a segment with several HTTP/2 frames has an array of per-frame objects
 * under `"http2"`. Read with the same streaming tokenizer (duplicate keys do occur in EK too).
 */
import type { ParsedLog } from '../model/frame.ts';
import { CaptureCollector, KEPT_LAYERS, ekNaming } from './capture.ts';
import type { ByteChunkParser } from './byteChunk.ts';
import { parseAll } from './incremental.ts';
import { JsonByteTokenizer } from './jsonBytes.ts';
import { JsonTokenizer, TreeBuilder, firstOf, intOf, objOf } from './jsonTokenizer.ts';
import { jsonTroubleNotes } from './tsharkJson.ts';

export const TSHARK_EK_FORMAT = 'tshark-ek';

export function createTsharkEkParser(): ByteChunkParser {
  const collector = new CaptureCollector(ekNaming);
  let records = 0;
  let notPackets = 0;
  const builder = new TreeBuilder({
    isRoot: (depth, _key, _parent, isArray) => depth === 0 && !isArray,
    skip: (key, parentKey) => parentKey === 'layers' && !KEPT_LAYERS.has(key),
    onRecord: (root) => {
      records++;
      const obj = objOf(root);
      const layers = objOf(firstOf(obj, 'layers'));
      if (!layers) {
        if (!firstOf(obj, 'index')) notPackets++;
        return;
      }
      collector.addPacket(layers, root.line, intOf(firstOf(obj, 'timestamp')));
    },
  });
  // Text (an editor's document) or bytes (a file: skipped layers are never decoded), not both.
  let text: JsonTokenizer | undefined;
  let bytes: JsonByteTokenizer | undefined;
  return {
    write(chunk: string): void {
      if (bytes) throw new Error('tshark EK parser: text after bytes');
      (text ??= new JsonTokenizer(builder)).write(chunk);
    },
    writeBytes(chunk: Uint8Array): void {
      if (text) throw new Error('tshark EK parser: bytes after text');
      (bytes ??= new JsonByteTokenizer(builder)).write(chunk);
    },
    finish(): ParsedLog {
      const tok = bytes ?? text ?? (text = new JsonTokenizer(builder));
      tok.end();
      const notes = jsonTroubleNotes(tok, builder, 'EK export', collector.packets, collector.frames.length, 'packet');
      if (collector.packets === 0 && notPackets > 0) notes.push('These JSON lines are not a tshark -T ek export: no line has "layers".');
      return collector.finish(TSHARK_EK_FORMAT, tok.line, notes);
    },
  };
}

export function parseTsharkEk(text: string): ParsedLog {
  return parseAll(createTsharkEkParser(), text);
}
