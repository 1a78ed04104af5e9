/** `frugal/code`: code-model tooling on tree-sitter; today the SAFIM fill-in-the-middle benchmark. */
export {
  compilesHere,
  EXEC_OUTCOMES,
  type ExecOptions,
  type ExecOutcome,
  type ExecReport,
  executeProgram,
  sameTokens,
} from './execute.js';
export {
  defaultSafimDataDir,
  fillHole,
  loadSafim,
  parseSafimLangs,
  parseSafimSplit,
  SAFIM_LANGS,
  SAFIM_SPLITS,
  type SafimExample,
  type SafimLang,
  type SafimLoadOptions,
  type SafimSplit,
  type SafimUnitTest,
} from './safim-data.js';
export {
  type CompletionModel,
  type DecodingSettings,
  emptyModel,
  groundTruthModel,
  type OpenAIModelOptions,
  openAIModel,
  PAPER_DECODING,
} from './safim-models.js';
export { ONE_SHOT, type Shot } from './safim-one-shot.js';
export {
  COMPLETION_PLACEHOLDER,
  extractCodeFromChat,
  type PostprocessOptions,
  postprocessCompletion,
  truncateApiCall,
  truncateBlock,
  truncateControl,
  truncateToFirstLine,
} from './safim-postprocess.js';
export {
  answersInProse,
  buildPrompt,
  FIM_PRESETS,
  type FimTokens,
  infillingParts,
  PROMPT_MODES,
  type PromptMode,
  parseFimTokens,
} from './safim-prompts.js';
export { formatSafimTable, type SafimRow, summarizeSafim } from './safim-report.js';
export {
  evaluateExample,
  readSafimResults,
  runSafim,
  type SafimResult,
  type SafimRunOptions,
} from './safim-run.js';
export {
  type Score,
  type ScoreOptions,
  scoreCompletion,
  syntaxMatch,
  VERDICTS,
  type Verdict,
} from './safim-score.js';
export {
  createSandboxDir,
  DEFAULT_COMPILE_LIMITS,
  DEFAULT_RUN_LIMITS,
  exitCleanlyOnSignals,
  processesOfUid,
  runSandboxed,
  type SandboxCapabilities,
  type SandboxDir,
  type SandboxLimits,
  type SandboxResult,
  sandboxCapabilities,
} from './sandbox.js';
export { type BuildPlan, javaNames, planBuild, requireToolchain, toolchainProblem } from './toolchains.js';
export {
  countSyntaxErrors,
  getParser,
  inspectTree,
  TREE_SITTER_GRAMMARS,
  type TraceEvent,
} from './tree-sitter.js';
