// Bundles the extension client, the language server and the CLI into dist/.
// Only `vscode` stays external: the .vsix ships no node_modules.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
  loader: { '.log': 'text' },
  // web-tree-sitter's ESM build calls createRequire(import.meta.url): give the CommonJS bundle a real URL.
  define: { 'import.meta.url': '__h2lensImportMetaUrl' },
  banner: { js: "var __h2lensImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js' },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: { js: "#!/usr/bin/env node\nvar __h2lensImportMetaUrl = require('url').pathToFileURL(__filename).href;" } },
];

mkdirSync('dist', { recursive: true });
// tree-sitter runtime and Go grammar are loaded as wasm at run time; ship them beside the bundle.
for (const [from, to] of [
  ['node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/tree-sitter.wasm'],
  ['node_modules/web-tree-sitter/web-tree-sitter.wasm', 'dist/web-tree-sitter.wasm'],
  ['node_modules/tree-sitter-go/tree-sitter-go.wasm', 'dist/tree-sitter-go.wasm'],
]) {
  if (existsSync(from)) cpSync(from, to);
}

if (watch) {
  for (const e of entries) (await esbuild.context({ ...common, ...e })).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));
}
