/** docs/rules.md stays in step with the rule catalogue and the peer profiles. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { RULES } from '../../server/src/core/rules/index.ts';
import { profilesTable } from '../../scripts/profiles-table.ts';

const doc = readFileSync(resolve(__dirname, '../../docs/rules.md'), 'utf8');

describe('docs/rules.md', () => {
  it('has a section for every rule id (the diagnostics link to it)', () => {
    for (const rule of [...RULES.map((r) => r.id), 'undrained-body']) {
      assert.ok(doc.includes(`\n## ${rule}\n`), `missing section for ${rule}`);
    }
  });

  it('cites every peer-profile number exactly as the code uses it', () => {
    const block = /<!-- profiles:start -->\n([\s\S]*?)\n<!-- profiles:end -->/.exec(doc);
    assert.ok(block, 'profile table markers missing');
    assert.equal(block[1], profilesTable(), 'regenerate with: npx tsx scripts/profiles-table.ts');
  });
});

describe('docs/rules.md settings', () => {
  it('lists every threshold parameter of every rule, as `h2lens.rules.<id>.<param>` takes it', () => {
    const table = /\| rule \| parameters \|\n\|---\|---\|\n([\s\S]*?)\n\n/.exec(doc);
    assert.ok(table, 'parameter table missing');
    const rows = new Map(table[1]!.split('\n').map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      return [cells[1]!.replace(/`/g, ''), cells[2]!.replace(/`/g, '').split(',').map((p) => p.trim())] as const;
    }));
    for (const rule of RULES) {
      if (!rule.params?.length) continue;
      assert.deepEqual(rows.get(rule.id), [...rule.params], `parameters of ${rule.id}`);
    }
    assert.deepEqual([...rows.keys()].sort(), RULES.filter((r) => r.params?.length).map((r) => r.id).sort());
  });
});
