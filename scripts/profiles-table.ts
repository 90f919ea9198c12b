/**
 * Prints the peer-profile table of docs/rules.md from rules/profiles.ts
 * (`npx tsx scripts/profiles-table.ts`); a unit test checks the doc matches.
 */
import { PROFILES, type Limit } from '../server/src/core/rules/profiles.ts';

export function profilesTable(): string {
  const rows: string[] = ['| profile | limit | value | source |', '|---|---|---|---|'];
  const fmt = (n: number, unit: string): string => (unit === 'ms' ? (n >= 3_600_000 ? `${n / 3_600_000} h` : n >= 60_000 ? `${n / 60_000} min` : `${n / 1000} s`) : n.toLocaleString('en-US'));
  for (const p of PROFILES) {
    const add = (name: string, l: Limit | undefined, unit = ''): void => {
      if (l) rows.push(`| \`${p.id}\` (${p.name}) | ${name} | ${fmt(l.value, unit)} | ${l.source} |`);
    };
    add('PING strikes: minimum interval', p.pingStrikes?.minTimeMs, 'ms');
    add('PING strikes: interval with no active stream', p.pingStrikes?.idleMinTimeMs, 'ms');
    add('PING strikes allowed', p.pingStrikes?.maxStrikes);
    add('queued PING/SETTINGS ACKs', p.maxQueuedAcks);
    add('PING timeout', p.pingTimeoutMs, 'ms');
    add('CONTINUATION frames per field block', p.maxContinuations);
    add('stream resets', p.maxResets);
    add('empty frames', p.maxEmptyFrames);
    add('MAX_CONCURRENT_STREAMS', p.maxConcurrentStreams);
  }
  return rows.join('\n');
}

if (process.argv[1]?.endsWith('profiles-table.ts')) process.stdout.write(profilesTable() + '\n');
