import { join } from 'node:path';
import type { Command } from 'commander';
import {
  type CompletionModel,
  emptyModel,
  exitCleanlyOnSignals,
  formatSafimTable,
  groundTruthModel,
  loadSafim,
  openAIModel,
  PAPER_DECODING,
  PROMPT_MODES,
  type PromptMode,
  parseFimTokens,
  parseSafimLangs,
  parseSafimSplit,
  readSafimResults,
  runSafim,
  SAFIM_LANGS,
  SAFIM_SPLITS,
  type SafimResult,
  sandboxCapabilities,
  summarizeSafim,
  toolchainProblem,
} from '../../code/index.js';
import { FrugalError } from '../../core/errors.js';

interface RunOptions {
  split: string;
  lang: string;
  limit?: string;
  seed: string;
  model: string;
  baseUrl?: string;
  endpoint: string;
  apiKeyEnv: string;
  prompt?: string;
  fimTokens?: string;
  temperature: string;
  topP: string;
  maxTokens: string;
  out?: string;
  executeAll?: boolean;
  concurrency?: string;
  dataDir?: string;
  json?: boolean;
}

/** `frugal safim`: the SAFIM syntax-aware fill-in-the-middle benchmark (run, score, toolchains). */
export function register(program: Command): void {
  const safim = program
    .command('safim')
    .description('SAFIM: syntax-aware fill-in-the-middle code benchmark with execution-based scoring');

  safim
    .command('run')
    .description(
      'Complete SAFIM examples with a model, post-process, score, and append results as JSON lines',
    )
    .option('--split <list>', `comma-separated splits (${SAFIM_SPLITS.join(', ')}) or all`, 'all')
    .option('--lang <list>', `comma-separated languages (${SAFIM_LANGS.join(', ')}) or all`, 'all')
    .option('--limit <n>', 'at most n examples per split and language (a seeded sample)')
    .option('--seed <n>', 'seed of the sample taken with --limit', '0')
    .option(
      '--model <name>',
      'ground-truth, empty, or the model name on an OpenAI-compatible server',
      'ground-truth',
    )
    .option(
      '--base-url <url>',
      'OpenAI-compatible server root ending in /v1 (vLLM, llama.cpp server); env OPENAI_BASE_URL',
    )
    .option('--endpoint <kind>', 'completions or chat', 'completions')
    .option('--api-key-env <var>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option(
      '--prompt <mode>',
      `prompt design: ${PROMPT_MODES.join(', ')} (default: psm with --fim-tokens, one-shot for chat, else l2r)`,
    )
    .option(
      '--fim-tokens <spec>',
      'FIM sentinels: starcoder, qwen-coder, codegemma, codellama, deepseek, or "pre,suf,mid"',
    )
    .option('--temperature <t>', 'sampling temperature', String(PAPER_DECODING.temperature))
    .option('--top-p <p>', 'nucleus sampling mass', String(PAPER_DECODING.topP))
    .option('--max-tokens <n>', 'new tokens per completion', String(PAPER_DECODING.maxTokens))
    .option('--out <file>', 'results file (JSON lines; resumed if present)')
    .option('--execute-all', 'run unit tests even for exact matches (checks tests and sandbox)')
    .option('--concurrency <n>', 'examples evaluated at once (default: CPU count)')
    .option('--data-dir <dir>', 'folder with safim_<split>.jsonl.gz (default: the bundled data/safim)')
    .option('--json', 'print score rows as JSON lines')
    .action(async (opts: RunOptions) => {
      exitCleanlyOnSignals();
      const splits =
        opts.split === 'all'
          ? [...SAFIM_SPLITS]
          : opts.split.split(',').map((s) => parseSafimSplit(s.trim()));
      const langs = parseSafimLangs(opts.lang);
      const limit = opts.limit === undefined ? undefined : positiveInt(opts.limit, 'limit');
      const model = makeModel(opts);
      const fim = opts.fimTokens ? parseFimTokens(opts.fimTokens) : undefined;
      const mode = promptMode(opts.prompt, model, fim !== undefined);
      const out = opts.out ?? join('results', 'safim', `${model.name.replace(/[^\w.-]+/g, '_')}.jsonl`);
      const rows: SafimResult[] = [];
      for (const split of splits) {
        const examples = loadSafim(split, {
          langs,
          ...(limit !== undefined ? { limit, seed: positiveInt(opts.seed, 'seed', true) } : {}),
          ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        });
        rows.push(
          ...(await runSafim(examples, model, {
            mode,
            ...(fim ? { fim } : {}),
            out,
            executeAll: opts.executeAll === true,
            ...(opts.concurrency ? { concurrency: positiveInt(opts.concurrency, 'concurrency') } : {}),
            progressLabel: `safim ${split}`,
          })),
        );
      }
      printRows(summarizeSafim(rows), opts.json === true);
      if (!opts.json) console.log(`\nresults: ${out}`);
    });

  safim
    .command('score')
    .description('Print pass rates per model, split and language from results files')
    .argument('<files...>', 'results files written by `frugal safim run`')
    .option(
      '--json',
      'print rows as JSON lines: bench, case, impl, metric, value, unit, passed, scored, skipped',
    )
    .action((files: string[], opts: { json?: boolean }) => {
      printRows(summarizeSafim(files.flatMap((f) => readSafimResults(f))), opts.json === true);
    });

  safim
    .command('toolchains')
    .description('Show the sandbox isolation available here and which languages can be executed')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const sandbox = sandboxCapabilities();
      const langs: Record<string, string> = {};
      for (const lang of SAFIM_LANGS) langs[lang] = (await toolchainProblem(lang)) ?? 'ok';
      if (opts.json) {
        console.log(JSON.stringify({ sandbox, langs }));
        return;
      }
      console.log(
        `network, pid and mount namespaces: ${sandbox.namespaces ? 'yes' : 'no (network not isolated)'}`,
      );
      console.log(`separate uid per run:              ${sandbox.separateUid ? 'yes' : 'no'}`);
      console.log(`resource limits (prlimit):         ${sandbox.prlimit ? 'yes' : 'no'}`);
      for (const [lang, state] of Object.entries(langs))
        console.log(`${lang.padEnd(8)} ${state === 'ok' ? 'ok' : `skipped: ${state}`}`);
    });
}

function printRows(rows: ReturnType<typeof summarizeSafim>, json: boolean): void {
  if (json) for (const r of rows) console.log(JSON.stringify(r));
  else console.log(formatSafimTable(rows));
}

function makeModel(opts: RunOptions): CompletionModel {
  if (opts.model === 'ground-truth') return groundTruthModel;
  if (opts.model === 'empty') return emptyModel;
  const baseUrl = opts.baseUrl ?? process.env.OPENAI_BASE_URL;
  if (!baseUrl)
    throw new FrugalError('E_ARG', `model "${opts.model}" needs a server`, {
      field: 'base-url',
      hint: 'pass --base-url http://host:port/v1 (vLLM, llama.cpp server, any OpenAI-compatible API) or use ground-truth / empty',
    });
  if (opts.endpoint !== 'completions' && opts.endpoint !== 'chat')
    throw new FrugalError('E_ARG', `unknown endpoint "${opts.endpoint}"`, {
      field: 'endpoint',
      hint: 'use completions or chat',
    });
  const apiKey = process.env[opts.apiKeyEnv];
  return openAIModel({
    baseUrl,
    model: opts.model,
    endpoint: opts.endpoint,
    ...(apiKey ? { apiKey } : {}),
    decoding: {
      temperature: nonNegative(opts.temperature, 'temperature'),
      topP: nonNegative(opts.topP, 'top-p'),
      maxTokens: positiveInt(opts.maxTokens, 'max-tokens'),
    },
  });
}

function promptMode(value: string | undefined, model: CompletionModel, hasFim: boolean): PromptMode {
  if (value === undefined) return model.kind === 'chat' ? 'one-shot' : hasFim ? 'psm' : 'l2r';
  if ((PROMPT_MODES as readonly string[]).includes(value)) return value as PromptMode;
  throw new FrugalError('E_ARG', `unknown prompt mode "${value}"`, {
    field: 'prompt',
    hint: `use one of ${PROMPT_MODES.join(', ')}`,
  });
}

function positiveInt(value: string, field: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw new FrugalError(
      'E_ARG',
      `${field} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${value}"`,
      {
        field,
      },
    );
  return n;
}

function nonNegative(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new FrugalError('E_ARG', `${field} must be a non-negative number, got "${value}"`, { field });
  return n;
}
