/**
 * Custom messages between the h2lens client and server. The client imports these types only:
 * it never parses a log.
 */
import { NotificationType } from 'vscode-languageserver-protocol';

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
}

/** Sent after each analysis of an open document. */
export const AnalysisChangedNotification = new NotificationType<AnalysisSummary>('h2lens/analysisChanged');
