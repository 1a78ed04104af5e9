import { createRequire } from 'node:module';
import { Language, type Node, Parser, type Tree } from 'web-tree-sitter';
import { FrugalError } from '../core/errors.js';

/** Languages Frugal parses, keyed by the names SAFIM uses. */
export const TREE_SITTER_GRAMMARS = {
  python: { pkg: 'tree-sitter-python', wasm: 'tree-sitter-python.wasm' },
  java: { pkg: 'tree-sitter-java', wasm: 'tree-sitter-java.wasm' },
  cpp: { pkg: 'tree-sitter-cpp', wasm: 'tree-sitter-cpp.wasm' },
  csharp: { pkg: 'tree-sitter-c-sharp', wasm: 'tree-sitter-c_sharp.wasm' },
} as const;
export type GrammarName = keyof typeof TREE_SITTER_GRAMMARS;

const require = createRequire(import.meta.url);
let initialized: Promise<void> | undefined;
const languages = new Map<GrammarName, Promise<Language>>();
const parsers = new Map<GrammarName, Parser>();

function loadLanguage(name: GrammarName): Promise<Language> {
  let p = languages.get(name);
  if (!p) {
    const { pkg, wasm } = TREE_SITTER_GRAMMARS[name];
    p = (async () => {
      initialized ??= Parser.init();
      await initialized;
      let path: string;
      try {
        path = require.resolve(`${pkg}/${wasm}`);
      } catch (e) {
        throw new FrugalError('E_IO', `grammar package ${pkg} is not installed`, {
          file: wasm,
          hint: 'run npm install; the grammar WASM files ship inside the pinned grammar packages',
          cause: e,
        });
      }
      return Language.load(path);
    })();
    languages.set(name, p);
  }
  return p;
}

/**
 * A parser for `name`, ready to use synchronously. Loading is async (WASM), so callers await this
 * once and then parse many programs without further awaits.
 */
export async function getParser(name: GrammarName): Promise<Parser> {
  let parser = parsers.get(name);
  if (!parser) {
    const language = await loadLanguage(name);
    parser = new Parser();
    parser.setLanguage(language);
    parsers.set(name, parser);
  }
  return parser;
}

/** Parses `code`, runs `fn` on the tree and frees the tree (WASM memory is not garbage-collected). */
export function withTree<T>(parser: Parser, code: string, fn: (tree: Tree) => T): T {
  const tree = parser.parse(code);
  if (!tree) throw new FrugalError('E_BACKEND', 'tree-sitter returned no tree', { op: 'parse' });
  try {
    return fn(tree);
  } finally {
    tree.delete();
  }
}

/** One step of a depth-first walk: entering or leaving a node of some type (named or not). */
export interface TraceEvent {
  enter: boolean;
  type: string;
}

/**
 * Walks every node (anonymous tokens included) depth-first and returns the number of syntax
 * errors and, when asked, the enter/leave trace of node types. An ERROR node that holds only a
 * lone `;` is not counted: grammars produce one for harmless stray semicolons.
 */
export function inspectTree(tree: Tree, withTrace: boolean): { errors: number; trace: TraceEvent[] } {
  const cursor = tree.walk();
  const trace: TraceEvent[] = [];
  let errors = 0;
  try {
    for (;;) {
      const type = cursor.nodeType;
      if (type === 'ERROR' && cursor.currentNode.text !== ';') errors++;
      if (withTrace) trace.push({ enter: true, type });
      if (cursor.gotoFirstChild()) continue;
      if (withTrace) trace.push({ enter: false, type });
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return { errors, trace };
        if (withTrace) trace.push({ enter: false, type: cursor.nodeType });
      }
    }
  } finally {
    cursor.delete();
  }
}

/** Number of syntax errors in `code` (see {@link inspectTree}). */
export function countSyntaxErrors(parser: Parser, code: string): number {
  return withTree(parser, code, (tree) => inspectTree(tree, false).errors);
}

/** Depth-first list of nodes (named only) for which `pred` holds. */
export function findNodes(root: Node, pred: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (pred(n)) out.push(n);
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return out;
}
