// The fixed Go code must be gofmt-clean and must compile (go vet + go build), with the real Go toolchain.
// CI installs golang-go; without it these tests are skipped (t.skip with the reason).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  HAVE_GO,
  HAVE_GOFMT,
  NO_GO_REASON,
  fix,
  fixtureNames,
  gofmtList,
  goVetBuild,
  readFixture,
  removeTempDirs,
  tempDir,
  writeGoModule,
} from './helpers.ts';

after(removeTempDirs);

/** Fixtures grouped into programs: imports_none.go needs its companion file. */
function programs(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of fixtureNames()) {
    const key = f.startsWith('imports_none') ? 'imports_none' : f.replace(/\.go$/, '');
    (out[key] ??= []).push(f);
  }
  return out;
}

test('gofmt: every fixture is gofmt-clean before and after the fix', async (t) => {
  if (!HAVE_GOFMT) return t.skip(NO_GO_REASON);
  const before = tempDir('h2lens-gofmt-before-');
  const fixed = tempDir('h2lens-gofmt-after-');
  for (const f of fixtureNames()) {
    const src = readFixture(f);
    writeFileSync(path.join(before, f), src);
    writeFileSync(path.join(fixed, f), await fix(src));
  }
  assert.deepEqual(gofmtList(before).files, [], 'fixtures themselves must be gofmt-clean for this check to mean anything');
  const r = gofmtList(fixed);
  assert.equal(r.stderr, '');
  assert.deepEqual(r.files, []);
});

test('go vet / go build: the harness notices a broken program (negative control)', (t) => {
  if (!HAVE_GO) return t.skip(NO_GO_REASON);
  const dir = writeGoModule({ 'main.go': 'package main\n\nimport "io"\n\nfunc main() {}\n' });
  assert.equal(goVetBuild(dir).ok, false);
});

for (const [prog, files] of Object.entries(programs())) {
  test(`go vet + go build of the fixed ${prog}`, async (t) => {
    if (!HAVE_GO) return t.skip(NO_GO_REASON);
    const fixed: Record<string, string> = {};
    for (const f of files) fixed[f] = await fix(readFixture(f));
    const r = goVetBuild(writeGoModule(fixed));
    assert.ok(r.ok, r.output);
  });
}
