/**
 * Shared helpers for the real-VS-Code e2e run (code-server + headless Debian chromium via playwright-core).
 * Runs on the machine's Node (20+), not inside VS Code.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const t0 = Date.now();
/** Seconds since this process started, for log lines. */
export const elapsed = (): string => ((Date.now() - t0) / 1000).toFixed(1);
export const log = (...parts: unknown[]): void => console.log(`[${elapsed()}s]`, ...parts);

/** What a truthy value of T can be. */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a truthy value; throw `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 100): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Truthy<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

/** `vscode-remote://` URI of a path on the code-server machine, as the browser at `server` addresses it. */
export const remoteUri = (server: URL, p: string): string => `vscode-remote://${server.host}${path.resolve(p)}`;

/**
 * The workbench URL for a folder. `payload` entries (extensionDevelopmentPath, extensionTestsPath, …) are
 * honoured only because code-server runs with `--vscode-option enable-smoke-test-driver`.
 */
export function workbenchUrl(server: URL, folder: string, payload: Array<[string, string]> = []): string {
  const url = new URL(server.href);
  url.searchParams.set('folder', path.resolve(folder));
  const all: Array<[string, string]> = [['skipWelcome', 'true'], ...payload];
  url.searchParams.set('payload', JSON.stringify(all)); // the whole JSON encoded once
  return url.href;
}

/**
 * Headless Debian chromium with a fresh profile. Playwright refuses `--user-data-dir` in args,
 * so the profile directory goes through launchPersistentContext.
 */
export async function launchBrowser(profileDir: string): Promise<{ ctx: BrowserContext; page: Page }> {
  mkdirSync(profileDir, { recursive: true });
  const ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return { ctx, page };
}

/** Close the browser, but never hang the run on it: chromium is killed with the context after `ms`. */
export async function closeBrowser(ctx: BrowserContext, ms = 10_000): Promise<void> {
  await Promise.race([ctx.close().catch(() => {}), sleep(ms)]);
}
