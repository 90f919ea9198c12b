/**
 * tshark / Wireshark `-T json` exports: the default form with DUPLICATE keys (several `"http2"`
 * members in one `layers` object, repeated `"http2.header"` / `"http2.settings"`; also what the
 * Wireshark GUI's "Export Packet Dissections → As JSON" writes) and `--no-duplicate-keys` (arrays
 * where a key repeats, a plain value where it does not). Both go through the streaming tokenizer,
 * one packet at a time: linear time, memory bounded by the largest packet, never the file.
 */
import type { ParsedLog } from '../model/frame.ts';
import { CaptureCollector, KEPT_LAYERS, dotted, tsharkLayers } from './capture.ts';
import type { ChunkParser } from './incremental.ts';
import { parseAll } from './incremental.ts';
import { JsonTokenizer, TreeBuilder } from './jsonTokenizer.ts';

export const TSHARK_JSON_FORMAT = 'tshark-json';

/** Shared by the JSON-based capture formats: what went wrong with the JSON itself, in words. */
export function jsonTroubleNotes(tok: JsonTokenizer, builder: TreeBuilder, what: string, records: number, frames: number, recordWord: string): string[] {
  const notes: string[] = [];
  const read = `the ${frames.toLocaleString('en-US')} HTTP/2 frames of the ${records.toLocaleString('en-US')} complete ${recordWord}s before it were read`;
  if (tok.error) {
    notes.push(`The ${what} is malformed at line ${tok.error.line + 1}, column ${tok.error.col + 1} (${tok.error.message}); reading stopped there: ${read}.`);
  } else if (tok.incomplete) {
    const at = builder.recordLine >= 0 ? ` inside the ${recordWord} that starts on line ${builder.recordLine + 1}` : '';
    notes.push(`The ${what} ends${at} without its closing brackets: the file is truncated (an interrupted export or capture?); ${read}.`);
  }
  if (builder.overflowCount > 0) notes.push(`${builder.overflowCount.toLocaleString('en-US')} ${recordWord}(s) were too large to keep whole; only their beginning was read.`);
  return notes;
}

export function createTsharkJsonParser(): ChunkParser {
  const collector = new CaptureCollector(dotted);
  let records = 0;
  let notPackets = 0;
  const builder = new TreeBuilder({
    // The elements of the top-level array (or a lone top-level object) are the packets.
    isRoot: (depth, _key, _parent, isArray) => !isArray && (depth === 0 || depth === 1),
    skip: (key, parentKey) => parentKey === 'layers' && !KEPT_LAYERS.has(key),
    onRecord: (root) => {
      records++;
      const layers = tsharkLayers(root);
      if (!layers) { notPackets++; return; }
      collector.addPacket(layers, root.line);
    },
  });
  const tok = new JsonTokenizer(builder);
  return {
    write: (chunk) => tok.write(chunk),
    finish(): ParsedLog {
      tok.end();
      const notes = jsonTroubleNotes(tok, builder, 'JSON export', collector.packets, collector.frames.length, 'packet');
      if (collector.packets === 0 && (notPackets > 0 || !tok.error)) {
        notes.push('This JSON is not a tshark/Wireshark packet export: no object has "_source": {"layers": …}. Export the capture with tshark -T json (or Wireshark: File → Export Packet Dissections → As JSON).');
      }
      return collector.finish(TSHARK_JSON_FORMAT, tok.line, notes);
    },
  };
}

export function parseTsharkJson(text: string): ParsedLog {
  return parseAll(createTsharkJsonParser(), text);
}
