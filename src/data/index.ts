export { BYTE_TO_CHAR, preTokenize } from './byte-level.js';
export { type AddedToken, type BpeModel, BpeTokenizer } from './bpe-tokenizer.js';
export { fromTokenizerJson, loadTokenizerJson, saveTokenizerJson, toTokenizerJson } from './tokenizer-json.js';
export { type TrainBpeOptions, trainBpe } from './train-bpe.js';
