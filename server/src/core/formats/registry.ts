/**
 * Every format's parser, whole-text and incremental. The incremental ones (`write(chunk)` … `finish()`)
 * keep memory bounded by a record (a packet, an event, a line), not by the input: a byte stream can
 * be decoded chunk by chunk (StringDecoder) and fed to them.
 */
import type { ParsedLog } from '../model/frame.ts';
import { CURL_FORMAT, createCurlParser, parseCurl } from './curl.ts';
import { ENVOY_FORMAT, createEnvoyParser, parseEnvoy } from './envoy.ts';
import { GO_FORMAT, GoByteFeeder, createGoHttp2debugParser, parseGoHttp2debug } from './goHttp2debug.ts';
import type { ByteChunkParser } from './byteChunk.ts';
import { TextOrBytes } from './byteChunk.ts';
import { asBuffer } from './byteText.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser } from './incremental.ts';
import { NETLOG_FORMAT, createNetlogParser, parseNetlog } from './netlog.ts';
import { NGHTTP_FORMAT, createNghttpParser, parseNghttp } from './nghttp.ts';
import { NODE_FORMAT, createNodeDebugParser, parseNodeDebug } from './nodeDebug.ts';
import { OKHTTP_FORMAT, createOkHttpParser, parseOkHttp } from './okhttp.ts';
import { RUST_H2_FORMAT, createRustH2Parser, parseRustH2 } from './rustH2.ts';
import { TSHARK_EK_FORMAT, createTsharkEkParser, parseTsharkEk } from './tsharkEk.ts';
import { TSHARK_JSON_FORMAT, createTsharkJsonParser, parseTsharkJson } from './tsharkJson.ts';
import { TSHARK_PDML_FORMAT, createTsharkPdmlParser, parseTsharkPdml } from './tsharkPdml.ts';

export const TEXT_PARSERS: Record<string, (text: string) => ParsedLog> = {
  [GO_FORMAT]: parseGoHttp2debug,
  [TSHARK_JSON_FORMAT]: parseTsharkJson,
  [TSHARK_EK_FORMAT]: parseTsharkEk,
  [TSHARK_PDML_FORMAT]: parseTsharkPdml,
  [NETLOG_FORMAT]: parseNetlog,
  [NGHTTP_FORMAT]: parseNghttp,
  [CURL_FORMAT]: parseCurl,
  [RUST_H2_FORMAT]: parseRustH2,
  [NODE_FORMAT]: parseNodeDebug,
  [OKHTTP_FORMAT]: parseOkHttp,
  [ENVOY_FORMAT]: parseEnvoy,
};

/** The Go parser as a chunk parser: text line by line, a file's bytes through the byte feeder. */
function goChunkParser(): ByteChunkParser {
  const input = new TextOrBytes('Go parser', () => {
    const p = createGoHttp2debugParser();
    return lineChunkParser(p.line, p.finish);
  }, () => {
    const feeder = new GoByteFeeder();
    return { write: (c: Uint8Array) => feeder.write(asBuffer(c)), finish: () => feeder.finish() };
  });
  return { write: (chunk) => input.writeText(chunk), writeBytes: (chunk) => input.writeBytes(chunk), finish: () => input.fed().finish() };
}

export const CHUNK_PARSERS: Record<string, () => ChunkParser> = {
  [GO_FORMAT]: goChunkParser,
  [TSHARK_JSON_FORMAT]: createTsharkJsonParser,
  [TSHARK_EK_FORMAT]: createTsharkEkParser,
  [TSHARK_PDML_FORMAT]: createTsharkPdmlParser,
  [NETLOG_FORMAT]: createNetlogParser,
  [NGHTTP_FORMAT]: createNghttpParser,
  [CURL_FORMAT]: createCurlParser,
  [RUST_H2_FORMAT]: createRustH2Parser,
  [NODE_FORMAT]: createNodeDebugParser,
  [OKHTTP_FORMAT]: createOkHttpParser,
  [ENVOY_FORMAT]: createEnvoyParser,
};
