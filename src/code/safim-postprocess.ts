import type { Node } from 'web-tree-sitter';
import { fillHole, type SafimExample, type SafimLang } from './safim-data.js';
import { getParser, inspectTree, type TraceEvent, withTree } from './tree-sitter.js';

/** The placeholder SAFIM prompts put where the hole is. */
export const COMPLETION_PLACEHOLDER: Record<SafimLang, string> = {
  python: '# TODO: Your code here',
  java: '/* TODO: Your code here */',
  cpp: '/* TODO: Your code here */',
  csharp: '/* TODO: Your code here */',
};

/** Splits into lines that keep their line breaks (`\r\n` stays with its line). */
export function splitLinesKeepEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The first line that is not blank, without its line break. */
export function truncateToFirstLine(text: string): string {
  for (const line of splitLinesKeepEnds(text)) if (line.trim()) return line.replace(/\r?\n$/, '');
  return '';
}

/**
 * Code from a chat answer: the first fenced block that is not an echo of the question (one still
 * holding the placeholder or equal to `avoid`, e.g. the one-shot answer); else the first inline
 * `code` span; else the text itself.
 */
export function extractCodeFromChat(text: string, lang: SafimLang, avoid?: string): string {
  const blocks: string[] = [];
  const inline: string[] = [];
  let current: string[] | undefined;
  for (const line of splitLinesKeepEnds(text)) {
    if (line.startsWith('```')) {
      if (current) {
        blocks.push(current.join('').trimEnd());
        current = undefined;
      } else current = [];
    } else if (current) current.push(line);
    else {
      const m = /`([^`]+)`/.exec(line);
      if (m) inline.push(m[1]);
    }
  }
  const candidates = blocks.length > 0 ? blocks : inline;
  if (candidates.length === 0) return text.trimEnd();
  const rank = (code: string) =>
    code.includes(COMPLETION_PLACEHOLDER[lang].trim()) ? 2 : avoid && code.includes(avoid.trim()) ? 1 : 0;
  return [...candidates].sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * Block completions: drops lines from the end until the filled program parses with no more errors
 * than the empty-hole program and the completion forms whole subtrees in the hole: the program's
 * node-type trace is the empty-hole trace with one contiguous run of events inserted (the paper's
 * rule), and no node straddles an edge of the completion (which the trace alone cannot see when
 * the extra code repeats the shape of what follows). Code the model wrote past the block (closing
 * braces, the suffix again, a dedented statement) breaks that and is cut. Returns the longest such
 * prefix of lines, without its final line break when anything was cut.
 */
export async function truncateBlock(example: SafimExample, completion: string): Promise<string> {
  const parser = await getParser(example.lang);
  const [prefix] = example.evalPrompt.split('{{completion}}');
  // Python needs a statement in an empty block; `pass` adds 4 events (node and token, enter and leave).
  const empty = withTree(parser, fillHole(example, example.lang === 'python' ? 'pass' : ''), (t) =>
    inspectTree(t, true),
  );
  const slack = example.lang === 'python' ? 4 : 0;
  const lines = splitLinesKeepEnds(completion);
  const original = lines.length;
  while (lines.length > 0) {
    const text = lines.join('');
    const lo = prefix.length + (text.length - text.trimStart().length);
    const hi = prefix.length + text.trimEnd().length;
    const fits = withTree(parser, fillHole(example, text), (tree) => {
      const filled = inspectTree(tree, true);
      return (
        filled.errors <= empty.errors &&
        insertsOnlyAtHole(empty.trace, filled.trace, slack) &&
        !straddles(tree.rootNode, lo, hi)
      );
    });
    if (fits) break;
    lines.pop();
  }
  const kept = lines.join('');
  return lines.length < original ? kept.replace(/\r?\n$/, '') : kept;
}

/** Whether some node begins inside [lo, hi) and ends past it, or begins before it and ends inside. */
function straddles(node: Node, lo: number, hi: number): boolean {
  const s = node.startIndex;
  const e = node.endIndex;
  // A line comment runs on to the line end, past the hole when the suffix starts with blanks.
  if (e <= lo || s >= hi || s === e || node.type.includes('comment')) return false;
  if ((s > lo && e > hi) || (s < lo && e < hi)) return true;
  for (const child of node.children) if (child && straddles(child, lo, hi)) return true;
  return false;
}

function insertsOnlyAtHole(base: TraceEvent[], filled: TraceEvent[], slack: number): boolean {
  if (base.length > filled.length + slack) return false;
  const same = (a: TraceEvent, b: TraceEvent) => a.enter === b.enter && a.type === b.type;
  let p = 0;
  while (p < base.length && p < filled.length && same(base[p], filled[p])) p++;
  let q = 0;
  while (
    q < base.length - p &&
    q < filled.length - p &&
    same(base[base.length - 1 - q], filled[filled.length - 1 - q])
  )
    q++;
  return base.length - (p + q) - slack <= 0 && base.length - (p + q) >= 0;
}

/**
 * Control-flow expressions: Python conditions end at the line end; in the brace languages the
 * expression ends before the first `)` that closes a bracket opened outside the hole.
 */
export function truncateControl(lang: SafimLang, completion: string): string {
  if (lang === 'python') return truncateToFirstLine(completion);
  let depth = 0;
  for (let i = 0; i < completion.length; i++) {
    const ch = completion[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return completion.slice(0, i);
  }
  return completion;
}

/** API calls end at the `)` that closes the first call. */
export function truncateApiCall(completion: string): string {
  let depth = 0;
  for (let i = 0; i < completion.length; i++) {
    const ch = completion[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth <= 0) return completion.slice(0, i + 1);
  }
  return completion;
}

export interface PostprocessOptions {
  /** The model answered in prose (chat or instructed prompt): take the code out of Markdown first. */
  fromChat?: boolean;
  /** The one-shot answer, which chat models sometimes repeat. */
  oneShotAnswer?: string;
}

/** The post-processing pipeline for the example's split. */
export async function postprocessCompletion(
  example: SafimExample,
  raw: string,
  options: PostprocessOptions = {},
): Promise<string> {
  let text = options.fromChat ? extractCodeFromChat(raw, example.lang, options.oneShotAnswer) : raw;
  // One-shot prompts invite the model to start another round; that round is not the answer.
  const nextRound = text.indexOf('\nComplete the code in ');
  if (nextRound !== -1) text = text.slice(0, nextRound);
  switch (example.split) {
    case 'block':
      return truncateBlock(example, text);
    case 'control':
      return truncateControl(example.lang, text);
    case 'api':
      return truncateApiCall(text);
  }
}
