/** Small helpers shared by rules: locations of frames, wording. */
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { RelatedLocation } from './types.ts';
import { formatNumber } from '../numberText.ts';

export function at(f: FrameRecord, message: string): RelatedLocation {
  return { line: f.line, startChar: f.startChar, endChar: f.endChar, message, frame: f.index };
}

export function frameAt(trace: Trace, index: number | undefined): FrameRecord | undefined {
  return index === undefined ? undefined : trace.frames.get(index);
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** Seconds between two frames, when both have times. */
export function secondsBetween(a: FrameRecord | undefined, b: FrameRecord | undefined): number | undefined {
  if (!a || !b || a.time === undefined || b.time === undefined) return undefined;
  return (b.time - a.time) / 1000;
}

export function formatSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
