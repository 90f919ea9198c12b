// Shared helpers for the Go analysis tests (not a test file itself).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeGoSource, applyEdits, drainEdits, type GoFinding } from '../../../server/src/core/golang/index.ts';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/go');

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.go'))
    .sort();
}

export function readFixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export interface Want {
  line: number; // 0-based
  reason: GoFinding['reason'];
  closeKind: GoFinding['closeKind'];
}

/** `// want: <reason> <closeKind>` markers of a hand-made fixture: a finding must start on that line. */
export function wantMarkers(src: string): Want[] {
  const out: Want[] = [];
  src.split('\n').forEach((l, i) => {
    const m = /\/\/ want: (never-read|partial-read) (defer|plain)\b/.exec(l);
    if (m) out.push({ line: i, reason: m[1] as Want['reason'], closeKind: m[2] as Want['closeKind'] });
  });
  return out;
}

export async function fix(src: string): Promise<string> {
  return applyEdits(src, await drainEdits(src));
}

export function summarize(fs: GoFinding[]): string[] {
  return fs.map((f) => `${f.line + 1}:${f.reason}:${f.closeKind}`);
}

export { analyzeGoSource };

// ---- Go toolchain (optional: CI installs golang-go; tests skip without it) ----

function hasBinary(name: string): boolean {
  const r = spawnSync(name, ['version'], { encoding: 'utf8' });
  return !(r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT');
}

export const HAVE_GOFMT = hasBinary('gofmt');
export const HAVE_GO = hasBinary('go');
export const NO_GO_REASON = 'the Go toolchain (gofmt/go) is not installed: apt-get install -y golang-go';

let goHome: string | null = null;
const tempDirs: string[] = [];

/** A fresh temp dir, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/** Removes the temp dirs made by this process (register with node:test `after`). */
export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** An offline, sandboxed environment for `go` (own HOME/GOCACHE/GOPATH, no proxy, no toolchain download). */
export function goEnv(): NodeJS.ProcessEnv {
  if (!goHome) goHome = tempDir('h2lens-go-home-');
  return {
    ...process.env,
    HOME: goHome,
    GOCACHE: path.join(goHome, 'cache'),
    GOPATH: path.join(goHome, 'gopath'),
    GOMODCACHE: path.join(goHome, 'gopath', 'pkg', 'mod'),
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    GOFLAGS: '',
    GO111MODULE: 'on',
    CGO_ENABLED: '0',
    GOWORK: 'off',
  };
}

/** Files in `dir` that gofmt would change (empty when gofmt-clean). */
export function gofmtList(dir: string): { files: string[]; stderr: string } {
  const r = spawnSync('gofmt', ['-l', dir], { encoding: 'utf8' });
  return { files: r.stdout.split('\n').filter((x) => x.trim() !== ''), stderr: r.stderr };
}

/** Writes the files as a module in a fresh temp dir; returns the dir. */
export function writeGoModule(files: Record<string, string>): string {
  const dir = tempDir('h2lens-go-');
  writeFileSync(path.join(dir, 'go.mod'), 'module fixture\n\ngo 1.18\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** `go vet` then `go build` in `dir`; ok with combined output. */
export function goVetBuild(dir: string): { ok: boolean; output: string } {
  const env = goEnv();
  const vet = spawnSync('go', ['vet', '.'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
  if (vet.status !== 0) return { ok: false, output: `go vet:\n${vet.stdout}${vet.stderr}` };
  const build = spawnSync('go', ['build', '-o', path.join(dir, 'out.bin'), '.'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
  if (build.status !== 0) return { ok: false, output: `go build:\n${build.stdout}${build.stderr}` };
  return { ok: true, output: '' };
}

/**
 * Branches nested `depth` deep, each arm registering its own deferred closes (hand-made): every path
 * registers a different sequence of defers, so the states to track double with each level.
 */
export function nestedDefers(depth: number): string {
  const l = ['package main', '', 'import "net/http"', '', 'func f(x int) error {', '\tresp, err := http.Get("http://x")', '\tif err != nil {', '\t\treturn err', '\t}'];
  const arm = (d: number, indent: string): void => {
    if (d === 0) return;
    for (let k = 0; k < 3; k++) {
      l.push(`${indent}if x > ${d * 10 + k} {`, `${indent}\tdefer resp.Body.Close()`);
      arm(d - 1, indent + '\t');
      l.push(`${indent}} else {`, `${indent}\tdefer resp.Body.Close()`, `${indent}\tdefer resp.Body.Close()`, `${indent}}`);
    }
  };
  arm(depth, '\t');
  l.push('\treturn nil', '}');
  return l.join('\n') + '\n';
}
