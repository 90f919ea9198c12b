/** SARIF 2.1.0 for code-scanning UIs. */
import { RULES } from '../rules/index.ts';
import { ruleDocsUrl } from '../rules/types.ts';
import type { FileReport } from './summary.ts';

const level = (s: string): string => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');

export function renderSarif(reports: FileReport[], version: string): object {
  const rules = RULES.map((r) => ({
    id: r.id,
    name: r.title,
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    helpUri: ruleDocsUrl(r.id),
    defaultConfiguration: { level: level(r.defaultSeverity) },
  }));
  const results = reports.flatMap((rep) =>
    rep.findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: rules.findIndex((r) => r.id === f.rule),
      level: level(f.severity),
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: rep.file }, region: { startLine: f.line, startColumn: f.column } } }],
      relatedLocations: f.related.map((rel, id) => ({
        id,
        message: { text: rel.message },
        physicalLocation: { artifactLocation: { uri: rep.file }, region: { startLine: rel.line } },
      })),
      ...(f.stream !== undefined || f.connection !== undefined ? { properties: { connection: f.connection, stream: f.stream } } : {}),
    })),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'h2lens', version, informationUri: 'https://www.rfc-editor.org/rfc/rfc9113', rules } },
      artifacts: reports.map((r) => ({ location: { uri: r.file } })),
      results,
      invocations: [{
        executionSuccessful: reports.every((r) => !r.error),
        toolExecutionNotifications: reports.filter((r) => r.error).map((r) => ({ level: 'error', message: { text: `${r.file}: ${r.error}` } })),
      }],
    }],
  };
}
