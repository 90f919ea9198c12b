// Go source analysis (analysis core: no vscode / language-server imports).
export { initGoParser, parseGo, locateGoWasm, type GoAst, type GoNode, type GoParserOptions } from './goParser.ts';
export {
  analyzeGoSource,
  analyzeGoSourceFully,
  findUndrained,
  UNDRAINED_BODY_RULE,
  type GoFinding,
  type GoUnanalysed,
  type GoTextEdit,
  type UndrainedDetail,
} from './undrainedBody.ts';
export { drainEdits, drainEditsFor, applyEdits } from './drainFix.ts';
