/**
 * tshark `-T ek` (Elasticsearch bulk, newline-delimited): `{"index":…}` lines alternating with
 * `{"timestamp":"…","layers":{…}}` packet lines whose field names are flattened
 * (`http2_http2_type`); a segment with several HTTP/2 frames has an array of per-frame objects
 * under `"http2"`. Read with the same streaming tokenizer (duplicate keys do occur in EK too).
 */
import type { ParsedLog } from '../model/frame.ts';
import { CaptureCollector, KEPT_LAYERS, ekNaming } from './capture.ts';
import type { ByteChunkParser } from './byteChunk.ts';
import { TextOrBytes } from './byteChunk.ts';
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
  // Bytes from a file: skipped layers are never decoded.
  const input = new TextOrBytes('tshark EK parser', () => new JsonTokenizer(builder), () => new JsonByteTokenizer(builder));
  return {
    write: (chunk) => input.writeText(chunk),
    writeBytes: (chunk) => input.writeBytes(chunk),
    finish(): ParsedLog {
      const tok = input.fed();
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
