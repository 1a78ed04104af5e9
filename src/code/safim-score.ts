import type { Node } from 'web-tree-sitter';
import { compilesHere, EXEC_OUTCOMES, type ExecOptions, executeProgram } from './execute.js';
import { fillHole, type SafimExample } from './safim-data.js';
import { toolchainProblem } from './toolchains.js';
import { getParser, withTree } from './tree-sitter.js';

/** How one completion was judged. `skipped` (no toolchain here) is neither a pass nor a failure. */
export const VERDICTS = [
  'exact_match',
  'syntax_match',
  'syntax_mismatch',
  ...EXEC_OUTCOMES,
  'skipped',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface Score {
  verdict: Verdict;
  passed: boolean;
  /** Blank completion (reported as such in tables of failures). */
  empty: boolean;
  detail?: string;
}

export interface ScoreOptions extends ExecOptions {
  /** Execute even when the completion equals the ground truth (to check the tests and sandbox). */
  executeAll?: boolean;
}

/**
 * SAFIM's scoring: the API split by syntax match; the others by exact match first, otherwise by
 * running the filled program against the example's unit tests in the sandbox.
 */
export async function scoreCompletion(
  example: SafimExample,
  completion: string,
  options: ScoreOptions = {},
): Promise<Score> {
  const empty = completion.trim().length === 0;
  if (example.split === 'api' || example.unitTests.length === 0) {
    const ok = await syntaxMatch(completion, example.groundTruth, example.lang);
    return { verdict: ok ? 'syntax_match' : 'syntax_mismatch', passed: ok, empty };
  }
  if (!options.executeAll && completion === example.groundTruth)
    return { verdict: 'exact_match', passed: true, empty };
  const problem = await toolchainProblem(example.lang);
  if (problem) return { verdict: 'skipped', passed: false, empty, detail: problem };
  const report = await executeProgram(
    example.lang,
    fillHole(example, completion),
    example.unitTests,
    options,
  );
  // A reference solution this compiler rejects (e.g. C# 8+ syntax under Mono's C# 7 compiler) says
  // the toolchain, not the completion, is at fault: such examples are skipped, not failed.
  if (
    report.outcome === 'compile_error' &&
    (completion === example.groundTruth ||
      !(await compilesHere(example.lang, fillHole(example, example.groundTruth), options)))
  )
    return {
      verdict: 'skipped',
      passed: false,
      empty,
      detail: `reference solution does not compile here: ${report.detail ?? ''}`,
    };
  return {
    verdict: report.outcome,
    passed: report.outcome === 'passed',
    empty,
    ...(report.detail ? { detail: report.detail } : {}),
  };
}

/**
 * The API split's match: equal once all whitespace is removed; for Python calls, equal positional
 * arguments and keyword arguments (in any order), whatever the callee is spelled as.
 */
export async function syntaxMatch(a: string, b: string, lang: SafimExample['lang']): Promise<boolean> {
  const x = a.replace(/\s+/g, '');
  const y = b.replace(/\s+/g, '');
  if (x === y) return true;
  if (lang !== 'python') return false;
  const parser = await getParser('python');
  const args = (code: string) => withTree(parser, code, (t) => callArguments(t.rootNode));
  const ax = args(x);
  const ay = args(y);
  if (!ax || !ay) return false;
  const kw = (m: Map<string, string>) => JSON.stringify([...m.entries()].sort());
  return (
    JSON.stringify(ax.positional) === JSON.stringify(ay.positional) && kw(ax.keywords) === kw(ay.keywords)
  );
}

function callArguments(root: Node): { positional: string[]; keywords: Map<string, string> } | undefined {
  if (root.hasError || root.namedChildCount !== 1) return undefined;
  const stmt = root.namedChild(0);
  const call =
    stmt?.type === 'expression_statement' && stmt.namedChildCount === 1 ? stmt.namedChild(0) : null;
  const list = call?.type === 'call' ? call.childForFieldName('arguments') : null;
  if (list?.type !== 'argument_list') return undefined;
  const positional: string[] = [];
  const keywords = new Map<string, string>();
  for (const arg of list.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text ?? '';
      const value = arg.childForFieldName('value');
      keywords.set(name, value ? shape(value) : '');
    } else positional.push(shape(arg));
  }
  return { positional, keywords };
}

/** A node as nested types with leaf text: equal shapes mean equal syntax trees. */
function shape(node: Node): string {
  if (node.childCount === 0) return `${node.type}:${node.text}`;
  return `(${node.type} ${node.children.map((c) => (c ? shape(c) : '')).join(' ')})`;
}
