/**
 * Prints the peer-profile table of docs/rules.md from rules/profiles.ts
 * (`npx tsx scripts/profiles-table.ts`); a unit test checks the doc matches.
 */
import { LIMITS, PROFILES, type LimitKey } from '../server/src/core/rules/profiles.ts';

function fmt(n: number, unit: string): string {
  if (unit === 'ms') return n >= 3_600_000 ? `${n / 3_600_000} h` : n >= 60_000 ? `${n / 60_000} min` : `${n / 1000} s`;
  if (unit === 'seconds') return `${n} s`;
  if (unit === 'per-second') return `${n.toLocaleString('en-US')}/s`;
  if (unit === 'bytes') return `${n.toLocaleString('en-US')} B`;
  return n.toLocaleString('en-US');
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function profilesTable(): string {
  const rows: string[] = ['| profile | limit (setting parameter) | value | on excess | source |', '|---|---|---|---|---|'];
  for (const p of PROFILES) {
    for (const key of Object.keys(LIMITS) as LimitKey[]) {
      const l = p.limits[key];
      if (!l) continue;
      rows.push(`| \`${p.id}\` (${p.name}) | ${LIMITS[key].label} (\`${key}\`) | ${fmt(l.value, LIMITS[key].unit)} | ${cell(l.action ?? '—')} | ${cell(l.source)} |`);
    }
    for (const note of p.notes ?? []) rows.push(`| \`${p.id}\` (${p.name}) | not counted (${note.rules.map((r) => `\`${r}\``).join(', ')}) | — | ${cell(note.text)} | ${cell(note.source)} |`);
  }
  return rows.join('\n');
}

if (process.argv[1]?.endsWith('profiles-table.ts')) process.stdout.write(profilesTable() + '\n');
