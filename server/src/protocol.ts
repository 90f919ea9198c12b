/**
 * Custom messages between the h2lens client and server. The client imports these types only:
 * it never parses a log.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { ConnectionItem, FrameItem, Page, StreamItem } from './core/views/tree.ts';

export interface AnalysisSummary {
  uri: string;
  version: number;
  format: string | null;
  frames: number;
  connections: number;
  streams: number;
  findings: number;
  errors: number;
  warnings: number;
  notes: string[];
  error?: string;
  /** Diagnostics published (capped by h2lens.maxProblems) when fewer than the findings. */
  shownProblems?: number;
  /** Analysed from the file on disk rather than the editor's text. */
  fromDisk?: boolean;
}

/** Sent after each analysis of an open document. */
export const AnalysisChangedNotification = new NotificationType<AnalysisSummary>('h2lens/analysisChanged');

export type { ConnectionItem, FrameItem, Page, StreamItem, ProblemMark, Outcome } from './core/views/tree.ts';

export interface ConnectionsParams { uri: string }
export interface StreamsParams { uri: string; connection: string; offset: number; limit: number; onlyProblems?: boolean }
export interface FramesParams { uri: string; connection: string; /** 0: the connection's own frames. */ stream: number; offset: number; limit: number }
export interface FrameAtParams { uri: string; line: number }
export interface FrameAtResult { connection: string; stream: number; index: number; /** Position in its stream's (or the connection frames') list. */ position: number }
export interface FindStreamsParams { uri: string; query: string }
export interface StreamSummaryParams { uri: string; connection: string; stream: number }

export const ConnectionsRequest = new RequestType<ConnectionsParams, ConnectionItem[], void>('h2lens/connections');
export const StreamsRequest = new RequestType<StreamsParams, Page<StreamItem>, void>('h2lens/streams');
export const FramesRequest = new RequestType<FramesParams, Page<FrameItem>, void>('h2lens/frames');
export const FrameAtRequest = new RequestType<FrameAtParams, FrameAtResult | null, void>('h2lens/frameAt');
export const FindStreamsRequest = new RequestType<FindStreamsParams, StreamItem[], void>('h2lens/findStreams');
export const StreamSummaryRequest = new RequestType<StreamSummaryParams, string | null, void>('h2lens/streamSummary');

export interface AnalyseFileParams { uri: string }
/** Analyse a file from disk (big logs VS Code does not hand to extensions, gzip logs). Cancellable. */
export const AnalyseFileRequest = new RequestType<AnalyseFileParams, AnalysisSummary, void>('h2lens/analyseFile');
export interface ProgressParams { uri: string; percent: number; message: string }
/** Progress of an analysis from disk. */
export const AnalyseFileProgressNotification = new NotificationType<ProgressParams>('h2lens/analyseFileProgress');

export interface SetFormatParams { uri: string; /** A format name, or null to sniff again. */ format: string | null }
/** The user chose the format of a document whose sniffing was ambiguous. */
export const SetFormatNotification = new NotificationType<SetFormatParams>('h2lens/setFormat');
/** The formats the server reads, with a one-line description each. */
export const FormatsRequest = new RequestType0<Array<{ name: string; description: string }>, void>('h2lens/formats');

/**
 * V8 flags the client starts the language server with. A young generation of at most 4 MB per
 * semi-space (V8's default grows it to 16 MB): a big analysis keeps its frames and streams in the
 * old generation anyway, and the smaller nursery takes 10–20 MB off the server's peak memory on a
 * 200 MB capture or a 254 MB log (`npm run bench`: 8 MB took 6 MB less off the capture than 4 MB).
 * The cost: the first open of a 10 MB log after start takes about 50 ms more (more young collections
 * while the code is still cold); later opens and big analyses run as fast as with 8 MB.
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=4'];
