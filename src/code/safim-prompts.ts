import { FrugalError } from '../core/errors.js';
import type { SafimExample, SafimLang, SafimSplit } from './safim-data.js';
import { ONE_SHOT } from './safim-one-shot.js';
import { COMPLETION_PLACEHOLDER } from './safim-postprocess.js';

/**
 * The prompt designs of the SAFIM paper: left-to-right (prefix only), prefix-suffix-middle and
 * suffix-prefix-middle with a model's FIM sentinel tokens, an instruction, instructed prefix feeding
 * (instruction, then the code up to the hole for the model to continue) and one-shot (a worked
 * example before the instructed prompt).
 */
export const PROMPT_MODES = ['l2r', 'psm', 'spm', 'instructed', 'prefix-feeding', 'one-shot'] as const;
export type PromptMode = (typeof PROMPT_MODES)[number];

/** FIM sentinel tokens: the prompt is prefix/suffix/middle tokens around the two code parts. */
export interface FimTokens {
  prefix: string;
  suffix: string;
  middle: string;
}

/** Sentinels of common FIM-trained code models, as their tokenizers spell them. */
export const FIM_PRESETS = {
  starcoder: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
  'qwen-coder': { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  codegemma: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  codellama: { prefix: '<PRE> ', suffix: ' <SUF>', middle: ' <MID>' },
  deepseek: { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' },
} as const satisfies Record<string, FimTokens>;

/** A preset name or three comma-separated tokens `prefix,suffix,middle`. */
export function parseFimTokens(value: string): FimTokens {
  if (value in FIM_PRESETS) return FIM_PRESETS[value as keyof typeof FIM_PRESETS];
  const parts = value.split(',');
  if (parts.length === 3 && parts.every((p) => p.length > 0))
    return { prefix: parts[0], suffix: parts[1], middle: parts[2] };
  throw new FrugalError('E_ARG', `cannot read FIM tokens "${value}"`, {
    field: 'fim-tokens',
    hint: `use a preset (${Object.keys(FIM_PRESETS).join(', ')}) or "<prefix>,<suffix>,<middle>"`,
  });
}

const KIND: Record<SafimSplit, string> = {
  block: 'block',
  control: 'control expression',
  api: 'API function call',
};

function instruction(lang: SafimLang, split: SafimSplit, answerOnly: boolean): string {
  const base = `Fill in "${COMPLETION_PLACEHOLDER[lang]}" in the code above with the missing ${KIND[split]}.`;
  return answerOnly ? `${base} Reply with that ${KIND[split]} only.` : base;
}

/** The prompt's code split at the placeholder. */
export function infillingParts(example: SafimExample): { prefix: string; suffix: string } {
  const parts = example.prompt.split(COMPLETION_PLACEHOLDER[example.lang]);
  if (parts.length !== 2)
    throw new FrugalError('E_IO', `prompt of ${example.taskId} must hold the placeholder exactly once`, {
      field: 'prompt',
    });
  return { prefix: parts[0], suffix: parts[1] };
}

function instructed(example: SafimExample): string {
  return `${example.prompt}\n${instruction(example.lang, example.split, true)}\n\n`;
}

export function buildPrompt(example: SafimExample, mode: PromptMode, fim?: FimTokens): string {
  switch (mode) {
    case 'l2r':
      return infillingParts(example).prefix;
    case 'psm':
    case 'spm': {
      if (!fim)
        throw new FrugalError('E_ARG', `prompt mode ${mode} needs the model's FIM tokens`, {
          field: 'fim-tokens',
          hint: `pass --fim-tokens with a preset (${Object.keys(FIM_PRESETS).join(', ')}) or three tokens`,
        });
      const { prefix, suffix } = infillingParts(example);
      return mode === 'psm'
        ? fim.prefix + prefix + fim.suffix + suffix + fim.middle
        : fim.prefix + fim.suffix + suffix + fim.middle + prefix;
    }
    case 'instructed':
      return instructed(example);
    case 'prefix-feeding': {
      const codeBeforeHole = example.evalPrompt.split('{{completion}}')[0];
      return `${example.prompt}\n${instruction(example.lang, example.split, false)}\n\n${codeBeforeHole}`;
    }
    case 'one-shot': {
      const shot = ONE_SHOT[example.split][example.lang];
      return `${shot.prompt}\n${instruction(example.lang, example.split, true)}\n\n${shot.answer}\n\n${instructed(example)}`;
    }
  }
}

/** Prompts in prose get their answers back in prose: post-processing must pull the code out. */
export function answersInProse(mode: PromptMode): boolean {
  return mode === 'instructed' || mode === 'one-shot';
}
