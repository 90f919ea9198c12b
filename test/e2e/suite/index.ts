/**
 * Entry of the extension-host suite: VS Code's extension host `require`s this module (the payload's
 * extensionTestsPath) and awaits `run()`, exactly like @vscode/test-electron. A resolved promise exits
 * the test extension host with 0, a rejected one with 1.
 *
 * Bundled by test/e2e/run.ts (esbuild, CommonJS, `vscode` external) next to the *.test.js files.
 * mocha is resolved from the repository (H2LENS_E2E_ROOT), wherever the bundle lives.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

interface Stats { passes: number; failures: number; pending: number; duration?: number }

export async function run(): Promise<void> {
  const root = process.env.H2LENS_E2E_ROOT;
  if (!root) throw new Error('H2LENS_E2E_ROOT is not set (the runner passes it through extensionEnvironment)');
  const req = createRequire(path.join(root, 'package.json'));
  // mocha ≥ 11 is an ES module with a CommonJS core; require() of it yields a namespace under Node ≥ 20.19.
  const m = req('mocha') as { default?: unknown };
  const Mocha = (m.default ?? m) as new (o: object) => {
    addFile(f: string): void;
    run(done: (failures: number) => void): { stats?: Stats };
  };
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 60_000, slow: 5_000 });
  for (const f of readdirSync(__dirname).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats;
      console.log(`H2LENS-E2E-EXTHOST-DONE failures=${failures}`);
      if (process.env.H2LENS_E2E_RESULTS) writeFileSync(process.env.H2LENS_E2E_RESULTS, JSON.stringify({ failures, stats }, null, 1));
      if (failures) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
