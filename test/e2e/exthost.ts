/**
 * Runs the mocha suite under test/e2e/suite inside code-server's (Node 24) extension host, the way
 * @vscode/test-electron does for desktop VS Code: the workbench URL's payload names an
 * extensionDevelopmentPath and an extensionTestsPath. The workbench needs a browser (no client, no
 * extension host), so headless chromium opens it. Test output comes back through
 * window.codeAutomationLog, the exit code (0: run() resolved, 1: it rejected) through
 * window.codeAutomationExit.
 *
 * The development extension is a tiny host folder holding the bundled suite only; h2lens itself is
 * the *installed* .vsix, loaded from --extensions-dir like a user's.
 */
import { format } from 'node:util';
import { closeBrowser, launchBrowser, log, remoteUri, workbenchUrl } from './lib.ts';

export interface ExtHostOptions {
  server: URL;
  folder: string;
  /** The development extension folder (holds the bundled suite). */
  devPath: string;
  /** The suite's entry module, without `.js`. */
  testsPath: string;
  /** Environment variables for the extension host. */
  env: Record<string, string>;
  profileDir: string;
  timeoutMs: number;
  screenshot?: string;
}

/** Workbench noise that says nothing about the tests. VERBOSE=1 shows it all. */
const NOISE = /^(Resolving|Resolved|Creating a socket|\[reconnection|\[AccountPolicy|\[AgentHost|\[Service Worker|\[driver\]|Updating additional|Creation of workbench|Timed out waiting for authentication|Failed: getaddrinfo|.*ENOTFOUND|Canceled|.*open-vsx|%c)/;

export async function runExtHostSuite(o: ExtHostOptions): Promise<number> {
  const { ctx, page } = await launchBrowser(o.profileDir);
  try {
    let finish!: (code: number | string) => void;
    const finished = new Promise<number | string>((r) => (finish = r));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      if (process.env.VERBOSE || !NOISE.test(line)) (type === 'error' ? console.error : console.log)(line.replace(/\s+$/, ''));
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    page.on('pageerror', (e) => log('page error:', e.message));
    const url = workbenchUrl(o.server, o.folder, [
      ['extensionDevelopmentPath', remoteUri(o.server, o.devPath)],
      ['extensionTestsPath', remoteUri(o.server, o.testsPath)],
      ['extensionEnvironment', JSON.stringify(o.env)], // a JSON *string* inside the payload
    ]);
    await page.goto(url);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([finished, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), o.timeoutMs)))]);
    clearTimeout(timer);
    if (o.screenshot) await page.screenshot({ path: o.screenshot }).catch(() => {});
    if (code === 'timeout') log(`extension-host suite: no exit after ${o.timeoutMs / 1000}s`);
    return code === 0 ? 0 : 1;
  } finally {
    await closeBrowser(ctx);
  }
}
