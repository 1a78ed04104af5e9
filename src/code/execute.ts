import type { SafimLang, SafimUnitTest } from './safim-data.js';
import {
  createSandboxDir,
  DEFAULT_COMPILE_LIMITS,
  runSandboxed,
  type SandboxLimits,
  type SandboxResult,
} from './sandbox.js';
import { planBuild } from './toolchains.js';

/** What happened when a program met its unit tests (the ExecEval outcomes SAFIM uses). */
export const EXEC_OUTCOMES = [
  'passed',
  'wrong_answer',
  'compile_error',
  'runtime_error',
  'time_limit',
  'memory_limit',
  'output_limit',
] as const;
export type ExecOutcome = (typeof EXEC_OUTCOMES)[number];

export interface ExecReport {
  outcome: ExecOutcome;
  /** Unit tests run and passed (stops at the first failure). */
  testsRun: number;
  testsPassed: number;
  /** First lines of the failing step's stderr, for diagnosis. */
  detail?: string;
  /** The temporary directory and uid used; both are gone when this resolves. */
  workDir: string;
  uid: number | undefined;
}

export interface ExecOptions {
  /** Overrides for the per-test run limits. */
  runLimits?: Partial<SandboxLimits>;
  compileLimits?: Partial<SandboxLimits>;
}

const MEMORY_PATTERNS = /MemoryError|bad_alloc|OutOfMemory|Cannot allocate memory|Out of memory/;

/** Compiles `program` (where needed) and runs it on each unit test in one sandbox directory. */
export async function executeProgram(
  lang: SafimLang,
  program: string,
  tests: readonly SafimUnitTest[],
  options: ExecOptions = {},
): Promise<ExecReport> {
  const plan = await planBuild(lang, program);
  const dir = createSandboxDir(plan.files);
  const runLimits = { ...plan.runLimits, ...options.runLimits };
  const report = (outcome: ExecOutcome, testsRun: number, testsPassed: number, detail?: string) => ({
    outcome,
    testsRun,
    testsPassed,
    ...(detail ? { detail } : {}),
    workDir: dir.path,
    uid: dir.uid,
  });
  try {
    if (plan.compile) {
      const c = await runSandboxed(dir, plan.compile, {
        ...DEFAULT_COMPILE_LIMITS,
        ...options.compileLimits,
      });
      if (c.exitCode !== 0) return report('compile_error', 0, 0, excerpt(c.stderr || c.stdout));
    }
    let passed = 0;
    for (let i = 0; i < tests.length; i++) {
      const r = await runSandboxed(dir, plan.run, runLimits, tests[i].input);
      const outcome = classify(r, tests[i].output);
      if (outcome !== 'passed') return report(outcome, i + 1, passed, excerpt(r.stderr));
      passed++;
    }
    return report('passed', tests.length, passed);
  } finally {
    dir.remove();
  }
}

function classify(r: SandboxResult, expected: readonly string[]): ExecOutcome {
  if (r.outputExceeded) return 'output_limit';
  // SIGXCPU arrives at the soft CPU limit; SIGKILL at the hard one a second later.
  if (r.timedOut || r.signal === 'SIGXCPU' || r.exitCode === 128 + 24 || r.exitCode === 128 + 9)
    return 'time_limit';
  if (r.exitCode !== 0) return MEMORY_PATTERNS.test(r.stderr) ? 'memory_limit' : 'runtime_error';
  return expected.some((e) => sameTokens(r.stdout, e)) ? 'passed' : 'wrong_answer';
}

/**
 * Codeforces-style checking: the same whitespace-separated tokens, letters compared without case
 * (judges accept "yes" for "YES") and numbers with a fractional part within 1e-6 (absolute or
 * relative), as the problems' checkers allow.
 */
export function sameTokens(actual: string, expected: string): boolean {
  const a = actual.trim().split(/\s+/);
  const b = expected.trim().split(/\s+/);
  return a.length === b.length && a.every((t, i) => sameToken(t, b[i]));
}

function sameToken(x: string, y: string): boolean {
  if (x === y || x.toLowerCase() === y.toLowerCase()) return true;
  if (!/[.eE]/.test(x + y)) return false;
  const u = Number(x);
  const v = Number(y);
  if (!Number.isFinite(u) || !Number.isFinite(v)) return false;
  return Math.abs(u - v) <= 1e-6 * Math.max(1, Math.abs(v));
}

/** Whether `program` compiles here (languages without a compile step always do). */
export async function compilesHere(
  lang: SafimLang,
  program: string,
  options: ExecOptions = {},
): Promise<boolean> {
  const plan = await planBuild(lang, program);
  if (!plan.compile) return true;
  const dir = createSandboxDir(plan.files);
  try {
    const c = await runSandboxed(dir, plan.compile, { ...DEFAULT_COMPILE_LIMITS, ...options.compileLimits });
    return c.exitCode === 0;
  } finally {
    dir.remove();
  }
}

function excerpt(text: string): string | undefined {
  const t = text.trim();
  return t.length === 0 ? undefined : t.split('\n').slice(0, 5).join('\n').slice(0, 500);
}
