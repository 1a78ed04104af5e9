import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { FrugalError } from '../core/errors.js';
import { startProgress } from '../core/progress.js';
import type { SafimExample, SafimLang, SafimSplit } from './safim-data.js';
import type { CompletionModel } from './safim-models.js';
import { ONE_SHOT } from './safim-one-shot.js';
import { postprocessCompletion } from './safim-postprocess.js';
import { answersInProse, buildPrompt, type FimTokens, type PromptMode } from './safim-prompts.js';
import { type ScoreOptions, scoreCompletion, type Verdict } from './safim-score.js';

/** One line of a results file. */
export interface SafimResult {
  task_id: string;
  split: SafimSplit;
  lang: SafimLang;
  model: string;
  prompt_mode: PromptMode;
  raw: string;
  completion: string;
  verdict: Verdict;
  passed: boolean;
  empty: boolean;
  detail?: string;
}

export interface SafimRunOptions extends ScoreOptions {
  mode: PromptMode;
  fim?: FimTokens;
  /** JSON-lines file; rows already there for the same model and task are kept and skipped. */
  out?: string;
  concurrency?: number;
  progressLabel?: string;
}

/** Prompts, post-processes and scores one example. */
export async function evaluateExample(
  example: SafimExample,
  model: CompletionModel,
  options: SafimRunOptions,
): Promise<SafimResult> {
  const prompt = buildPrompt(example, options.mode, options.fim);
  const raw = await model.complete(prompt, example);
  const completion =
    model.kind === 'reference'
      ? raw
      : await postprocessCompletion(example, raw, {
          fromChat: model.kind === 'chat' || answersInProse(options.mode),
          ...(options.mode === 'one-shot'
            ? { oneShotAnswer: ONE_SHOT[example.split][example.lang].answer }
            : {}),
        });
  const score = await scoreCompletion(example, completion, options);
  return {
    task_id: example.taskId,
    split: example.split,
    lang: example.lang,
    model: model.name,
    prompt_mode: options.mode,
    raw,
    completion,
    verdict: score.verdict,
    passed: score.passed,
    empty: score.empty,
    ...(score.detail ? { detail: score.detail } : {}),
  };
}

/** Reads a results file; a torn last line (interrupted run) is ignored. */
export function readSafimResults(path: string): SafimResult[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const rows: SafimResult[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    try {
      rows.push(JSON.parse(lines[i]) as SafimResult);
    } catch (e) {
      if (i >= lines.length - 2) continue;
      throw new FrugalError('E_IO', `line ${i + 1} of the results file is not JSON`, {
        file: path,
        cause: e,
      });
    }
  }
  return rows;
}

/**
 * Evaluates `examples` with a small worker pool, appending each result to `out` as it finishes so
 * an interrupted run resumes where it stopped. Returns all rows for these examples and this model.
 */
export async function runSafim(
  examples: readonly SafimExample[],
  model: CompletionModel,
  options: SafimRunOptions,
): Promise<SafimResult[]> {
  const key = (split: string, taskId: string) => `${model.name}\u0000${split}\u0000${taskId}`;
  const wanted = new Set(examples.map((e) => key(e.split, e.taskId)));
  const done = new Map<string, SafimResult>();
  if (options.out) {
    for (const r of readSafimResults(options.out)) {
      const k = key(r.split, r.task_id);
      if (wanted.has(k) && r.prompt_mode === options.mode) done.set(k, r);
    }
    mkdirSync(dirname(options.out), { recursive: true });
  }
  const todo = examples.filter((e) => !done.has(key(e.split, e.taskId)));
  const progress = startProgress(options.progressLabel ?? `safim ${model.name}`, examples.length, ['passed']);
  let finished = done.size;
  let passed = [...done.values()].filter((r) => r.passed).length;
  progress.update(finished, { passed });
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const example = todo[next++];
      const row = await evaluateExample(example, model, options);
      done.set(key(row.split, row.task_id), row);
      if (options.out) appendFileSync(options.out, `${JSON.stringify(row)}\n`);
      finished++;
      if (row.passed) passed++;
      progress.update(finished, { passed });
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), todo.length || 1));
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    progress.stop();
  }
  return examples.map((e) => done.get(key(e.split, e.taskId))!);
}
