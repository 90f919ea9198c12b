import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { initGoParser, locateGoWasm, parseGo } from '../../../server/src/core/golang/index.ts';
import { analyzeGoSource, removeTempDirs, tempDir } from './helpers.ts';

after(removeTempDirs);

test('initGoParser is idempotent and parses Go', async () => {
  await Promise.all([initGoParser(), initGoParser()]);
  await initGoParser();
  const ast = await parseGo('package main\n\nfunc main() {}\n');
  assert.equal(ast.root.type, 'source_file');
  assert.deepEqual(
    ast.root.children.map((c) => c.type),
    ['package_clause', 'function_declaration'],
  );
  assert.equal(ast.root.hasError, false);
});

test('locateGoWasm: wasmDir first, node_modules as the fallback', () => {
  const dir = tempDir('h2lens-wasm-');
  const fromNodeModules = locateGoWasm();
  assert.match(fromNodeModules.runtime, /web-tree-sitter[\\/]tree-sitter\.wasm$/);
  assert.match(fromNodeModules.go, /tree-sitter-go[\\/]tree-sitter-go\.wasm$/);
  // an empty wasmDir falls back to node_modules
  assert.deepEqual(locateGoWasm({ wasmDir: dir }), fromNodeModules);
  // a wasmDir holding both files (the dist/ layout) wins
  copyFileSync(fromNodeModules.runtime, path.join(dir, 'tree-sitter.wasm'));
  copyFileSync(fromNodeModules.go, path.join(dir, 'tree-sitter-go.wasm'));
  assert.deepEqual(locateGoWasm({ wasmDir: dir }), {
    runtime: path.join(dir, 'tree-sitter.wasm'),
    go: path.join(dir, 'tree-sitter-go.wasm'),
  });
});

test('columns are UTF-16 code units (LSP positions)', async () => {
  const src = [
    'package main',
    '',
    'import "net/http"',
    '',
    'func f() {',
    '\tresp, _ := http.Get("http://ü.example/😀")',
    '\ts := "é😀"; resp.Body.Close()',
    '\t_ = s',
    '}',
    '',
  ].join('\n');
  const [f] = await analyzeGoSource(src);
  assert.ok(f);
  const line = src.split('\n')[6]!;
  assert.equal(f.line, 6);
  assert.equal(f.startChar, line.indexOf('resp.Body.Close()'));
  assert.equal(f.endChar, line.indexOf('resp.Body.Close()') + 'resp.Body.Close()'.length);
});

test('syntax errors: no exception, and no verdict inside the broken function', async () => {
  const src = 'package main\n\nimport "net/http"\n\nfunc f() {\n\tresp, _ := http.Get("x")\n\tresp.Body.Close(\n}\n';
  const ast = await parseGo(src);
  assert.equal(ast.root.hasError, true);
  assert.deepEqual(await analyzeGoSource(src), []);
  assert.deepEqual(await analyzeGoSource(''), []);
  assert.deepEqual(await analyzeGoSource('not go at all {{{'), []);
});
