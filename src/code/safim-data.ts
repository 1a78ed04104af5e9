import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { FrugalError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** The three SAFIM splits: algorithmic blocks, control-flow expressions, API function calls. */
export const SAFIM_SPLITS = ['block', 'control', 'api'] as const;
export type SafimSplit = (typeof SAFIM_SPLITS)[number];

/** The four languages of SAFIM, named as in the data files. */
export const SAFIM_LANGS = ['python', 'java', 'cpp', 'csharp'] as const;
export type SafimLang = (typeof SAFIM_LANGS)[number];

const unitTestSchema = z.object({ input: z.string(), output: z.array(z.string()) });
export type SafimUnitTest = z.infer<typeof unitTestSchema>;

const exampleSchema = z.object({
  task_id: z.string(),
  lang: z.enum(SAFIM_LANGS),
  prompt: z.string(),
  eval_prompt: z.string().refine((s) => s.split('{{completion}}').length === 2, {
    message: 'eval_prompt must contain {{completion}} exactly once',
  }),
  ground_truth: z.string(),
  unit_tests: z.array(unitTestSchema).optional(),
});

export interface SafimExample {
  taskId: string;
  split: SafimSplit;
  lang: SafimLang;
  /** Task text plus code with the language's TODO placeholder where the hole is. */
  prompt: string;
  /** The bare program with `{{completion}}` where the answer goes. */
  evalPrompt: string;
  groundTruth: string;
  unitTests: SafimUnitTest[];
}

export interface SafimLoadOptions {
  langs?: readonly SafimLang[];
  /** At most this many examples per language (after a seeded shuffle when `seed` is given). */
  limit?: number;
  /** Shuffle each language's examples with this seed before taking `limit`; file order if absent. */
  seed?: number;
  /** Folder holding `safim_<split>.jsonl.gz`; defaults to the repository's `data/safim`. */
  dataDir?: string;
}

/** The repository's `data/safim`, found from this module's location (works from src/ and dist/). */
export function defaultSafimDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'data', 'safim');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  return resolve('data', 'safim');
}

export function parseSafimSplit(value: string, field = 'split'): SafimSplit {
  if ((SAFIM_SPLITS as readonly string[]).includes(value)) return value as SafimSplit;
  throw new FrugalError('E_ARG', `unknown SAFIM split "${value}"`, {
    field,
    hint: `use one of ${SAFIM_SPLITS.join(', ')}`,
  });
}

export function parseSafimLangs(value: string, field = 'lang'): SafimLang[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0 || names.includes('all')) return [...SAFIM_LANGS];
  return names.map((n) => {
    if ((SAFIM_LANGS as readonly string[]).includes(n)) return n as SafimLang;
    throw new FrugalError('E_ARG', `unknown SAFIM language "${n}"`, {
      field,
      hint: `use a comma-separated list of ${SAFIM_LANGS.join(', ')} (or all)`,
    });
  });
}

/** Reads one split, validating every row; bad rows raise an error naming the file and line. */
export function loadSafim(split: SafimSplit, options: SafimLoadOptions = {}): SafimExample[] {
  const file = join(options.dataDir ?? defaultSafimDataDir(), `safim_${split}.jsonl.gz`);
  const langs = new Set(options.langs ?? SAFIM_LANGS);
  const byLang = new Map<SafimLang, SafimExample[]>();
  for (const example of readSplitFile(file, split)) {
    if (!langs.has(example.lang)) continue;
    const list = byLang.get(example.lang) ?? [];
    list.push(example);
    byLang.set(example.lang, list);
  }
  const out: SafimExample[] = [];
  for (const lang of SAFIM_LANGS) {
    const list = byLang.get(lang);
    if (!list) continue;
    if (options.seed !== undefined) new Rng(options.seed).shuffle(list);
    out.push(...(options.limit === undefined ? list : list.slice(0, options.limit)));
  }
  return out;
}

// Parsed files, keyed by path: a split is read once per process however many samples are taken.
const cache = new Map<string, readonly SafimExample[]>();

function readSplitFile(file: string, split: SafimSplit): readonly SafimExample[] {
  const cached = cache.get(file);
  if (cached) return cached;
  let text: string;
  try {
    text = gunzipSync(readFileSync(file)).toString('utf8');
  } catch (e) {
    throw new FrugalError('E_IO', 'cannot read the SAFIM data file', {
      file,
      hint: 'the data ships in data/safim/ of the repository; pass --data-dir if it lives elsewhere',
      cause: e,
    });
  }
  const rows: SafimExample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length > 0) rows.push(parseRow(line, file, i + 1, split));
  }
  cache.set(file, rows);
  return rows;
}

function parseRow(line: string, file: string, lineNo: number, split: SafimSplit): SafimExample {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new FrugalError('E_IO', `line ${lineNo} is not valid JSON`, { file, cause: e });
  }
  const parsed = exampleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrugalError('E_IO', `line ${lineNo}: ${issue.message}`, {
      file,
      field: issue.path.join('.'),
      hint: 'each row needs task_id, lang, prompt, eval_prompt (with {{completion}}) and ground_truth',
    });
  }
  const r = parsed.data;
  return {
    taskId: r.task_id,
    split,
    lang: r.lang,
    prompt: r.prompt,
    evalPrompt: r.eval_prompt,
    groundTruth: r.ground_truth,
    unitTests: r.unit_tests ?? [],
  };
}

/** The program with `completion` in the hole. */
export function fillHole(example: SafimExample, completion: string): string {
  const [prefix, suffix] = example.evalPrompt.split('{{completion}}');
  return prefix + completion + suffix;
}
