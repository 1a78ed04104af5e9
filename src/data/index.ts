export { type PackedBlocks, type PaddedBatch, type PadOptions, packSequences, padBatch } from './batching.js';
export { type AddedToken, type BpeModel, BpeTokenizer } from './bpe-tokenizer.js';
export { BYTE_TO_CHAR, preTokenize } from './byte-level.js';
export {
  loadPythonStdlib,
  loadPythonStdlibSplit,
  PYODIDE_PACKAGE,
  type SourceFile,
} from './python-stdlib.js';
export {
  type Email,
  loadSpamAssassin,
  loadSpamAssassinSplit,
  SPAM_ASSASSIN_GROUPS,
  SPAM_ASSASSIN_PACKAGE,
  type SpamAssassinGroup,
  type SpamAssassinOptions,
} from './spam-assassin.js';
export { type Split, type SplitOptions, splitItems } from './split.js';
export {
  fromTokenizerJson,
  loadTokenizerJson,
  saveTokenizerJson,
  toTokenizerJson,
} from './tokenizer-json.js';
export { type TrainBpeOptions, trainBpe } from './train-bpe.js';
