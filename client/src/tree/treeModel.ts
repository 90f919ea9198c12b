/**
 * How the Connections view presents what the server sends: labels, descriptions, icons, tooltips.
 * No `vscode` import, so it is unit-tested on real fixtures' analyses; connectionsView.ts turns
 * these into TreeItems. Strings go through the `t` function given (vscode.l10n.t in the extension).
 */
import type { ConnectionItem, FrameItem, Outcome, ProblemMark, StreamItem } from '../../../server/src/protocol.ts';

export type Translate = (message: string, ...args: Array<string | number>) => string;
export const identity: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));

export interface NodePresentation {
  label: string;
  description: string;
  tooltip: string;
  /** Codicon id, and an optional theme colour id for it. */
  icon: string;
  iconColor?: string;
  collapsible: boolean;
  contextValue: string;
}

export const PAGE_SIZE = 1000;

const problemColor = (p: ProblemMark | undefined): string | undefined =>
  p?.severity === 'error' ? 'problemsErrorIcon.foreground' : p?.severity === 'warning' ? 'problemsWarningIcon.foreground' : p ? 'problemsInfoIcon.foreground' : undefined;

const problemText = (p: ProblemMark | undefined, t: Translate): string =>
  p ? (p.count > 1 ? t('{0} {1} (+{2})', p.severity === 'error' ? '⛔' : p.severity === 'warning' ? '⚠' : 'ℹ', p.rule, p.count - 1) : t('{0} {1}', p.severity === 'error' ? '⛔' : p.severity === 'warning' ? '⚠' : 'ℹ', p.rule)) : '';

export function presentConnection(c: ConnectionItem, t: Translate = identity): NodePresentation {
  const ended = c.ended.kind === 'goaway'
    ? t('GOAWAY {0}{1}', c.ended.code, c.ended.debug ? ` "${c.ended.debug}"` : '')
    : c.ended.kind === 'closed' ? t('closed: {0}', c.ended.note) : t('open at end of log');
  const parts = [t('{0} side', c.role), c.peer ? t('↔ {0}', c.peer) : '', t('{0} streams, {1} frames', c.streams, c.frames), ended, problemText(c.problem, t)].filter(Boolean);
  const tooltip = [
    t('Connection {0} ({1} side)', c.id, c.role),
    c.peer ? t('Peer: {0}', c.peer) : '',
    t('{0} streams, {1} frames ({2} on the connection itself)', c.streams, c.frames, c.connectionFrames),
    t('Ended: {0}', ended),
    c.problem ? t('Worst finding: {0}', c.problem.message) : '',
  ].filter(Boolean).join('\n');
  const iconColor = problemColor(c.problem);
  return {
    label: t('connection {0}', c.id),
    description: parts.join(' · '),
    tooltip,
    icon: c.ended.kind === 'goaway' && c.ended.code !== 'NO_ERROR' ? 'debug-disconnect' : 'plug',
    ...(iconColor ? { iconColor } : {}),
    collapsible: true,
    contextValue: 'h2lens.connection',
  };
}

const OUTCOME_ICON: Record<Outcome, string> = { ok: 'pass', reset: 'circle-slash', error: 'error', open: 'circle-large-outline' };
const OUTCOME_COLOR: Record<Outcome, string | undefined> = { ok: 'testing.iconPassed', reset: 'problemsWarningIcon.foreground', error: 'problemsErrorIcon.foreground', open: undefined };

export function presentStream(s: StreamItem, t: Translate = identity): NodePresentation {
  const request = [s.method, s.path].filter(Boolean).join(' ');
  // ≈: the fields shown (or missing) are a guess; it goes before the first of them.
  const label = t('stream {0}{1}{2}', s.id, request ? ` ${s.headersGuessed ? '≈ ' : ''}${request}` : s.headersGuessed ? ' ≈' : '', s.status ? ` → ${s.status}` : '');
  const duration = s.durationMs !== undefined ? t('{0} ms', s.durationMs.toFixed(1)) : '';
  const description = [s.outcomeText, t('{0} frames', s.frames), t('{0} B', s.bodyBytes), duration, problemText(s.problem, t)].filter(Boolean).join(' · ');
  const tooltip = [
    label,
    t('State at end of log: {0}', s.state),
    t('Outcome: {0}', s.outcomeText),
    t('{0} frames, {1} body bytes{2}', s.frames, s.bodyBytes, duration ? `, ${duration}` : ''),
    s.problem ? t('{0}: {1}', s.problem.rule, s.problem.message) : '',
    s.headersGuessed ? t('Method, path and status are a best guess: the log wrote the header fields of several connections interleaved, without saying whose they were.') : '',
  ].filter(Boolean).join('\n');
  const iconColor = problemColor(s.problem) ?? OUTCOME_COLOR[s.outcome];
  return {
    label,
    description,
    tooltip,
    icon: s.problem ? (s.problem.severity === 'error' ? 'error' : 'warning') : OUTCOME_ICON[s.outcome],
    ...(iconColor ? { iconColor } : {}),
    collapsible: true,
    contextValue: s.problem ? 'h2lens.stream.problem' : 'h2lens.stream',
  };
}

export function presentFrame(f: FrameItem, t: Translate = identity): NodePresentation {
  const arrow = f.direction === 'sent' ? '→' : '←';
  const when = f.offsetMs !== undefined ? t('+{0} ms', f.offsetMs.toFixed(f.offsetMs < 10 ? 1 : 0)) : t('line {0}', f.line + 1);
  const label = `${arrow} ${f.type}${f.flags.length ? ` [${f.flags.join('|')}]` : ''}`;
  const description = [when, t('len={0}', f.length), f.key ?? '', problemText(f.problem, t)].filter(Boolean).join(' · ');
  const tooltip = [
    t('{0} {1} (line {2})', f.direction === 'sent' ? t('Sent') : t('Received'), f.type, f.line + 1),
    f.streamId ? t('Stream {0}', f.streamId) : t('Connection-level frame'),
    f.flags.length ? t('Flags: {0}', f.flags.join(', ')) : '',
    t('Payload: {0} bytes', f.length),
    f.key ? f.key : '',
    f.problem ? t('{0}: {1}', f.problem.rule, f.problem.message) : '',
  ].filter(Boolean).join('\n');
  const iconColor = problemColor(f.problem);
  return {
    label,
    description,
    tooltip,
    icon: f.direction === 'sent' ? 'arrow-right' : 'arrow-left',
    ...(iconColor ? { iconColor } : {}),
    collapsible: false,
    contextValue: 'h2lens.frame',
  };
}

export function presentConnectionFrames(count: number, t: Translate = identity): NodePresentation {
  return {
    label: t('Connection frames'),
    description: t('{0} frames: SETTINGS, PING, WINDOW_UPDATE, GOAWAY…', count),
    tooltip: t('Frames on stream 0, which belong to the connection rather than to a stream'),
    icon: 'settings-gear',
    collapsible: true,
    contextValue: 'h2lens.connectionFrames',
  };
}

export function presentMore(loaded: number, total: number, t: Translate = identity): NodePresentation {
  const next = Math.min(PAGE_SIZE, total - loaded);
  return {
    label: t('Show next {0}', next),
    description: t('{0} of {1} shown', loaded, total),
    tooltip: t('Load the next {0} items', next),
    icon: 'ellipsis',
    collapsible: false,
    contextValue: 'h2lens.more',
  };
}
