/**
 * The backward engine: reverse topological order over nodes, one VJP rule per node, gradients
 * accumulated per variable. Each node's saved tensors are unpacked, used and disposed right after
 * its rule runs, and each incoming gradient is disposed once consumed, so memory falls while
 * backward walks down the graph.
 */
import { FrugalError } from '../core/errors.js';
import { add } from '../ops/elementwise.js';
import { contiguous } from '../ops/shape-ops.js';
import { ones } from '../tensor/creation.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { VJP_RULES, type VjpRule } from './rules.js';
import { alias, discardSaved, unpackSaved } from './saved.js';
import type { Node, Variable } from './variable.js';
import { withGradMode } from './variable.js';

export function runBackward(root: Variable, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new FrugalError('E_ARG', 'backward() on a value that does not require grad', {
      op: 'backward',
      shapes: [root.shape],
      hint: 'make a parameter with requiresGrad (param()) and compute the value from it outside noGrad()',
    });
  }
  if (root.node?.released) {
    throw new FrugalError('E_ARG', 'backward() ran twice over the same graph', {
      op: 'backward',
      hint: 'saved tensors are freed after the first backward; run the forward pass again',
    });
  }
  if (seed && seed.shape.join(',') !== root.shape.join(',')) {
    throw new FrugalError('E_SHAPE', 'the seed gradient must have the shape of the value', {
      op: 'backward',
      shapes: [root.shape, seed.shape],
    });
  }
  const order = topoOrder(root);
  const grads = new Map<Variable, Tensor>();
  grads.set(root, seed ? alias(seed) : ones(root.shape, root.dtype));
  // Rules build their results from ops; recording them would grow a graph nobody asked for.
  withGradMode(false, () => {
    for (const v of order) {
      const g = grads.get(v);
      grads.delete(v);
      if (!g) {
        // No gradient reached this node (a rule returned none): free what it saved anyway.
        if (v.node) releaseNode(v.node);
        continue;
      }
      if (!v.node) {
        accumulateLeaf(v, g);
        continue;
      }
      const inputGrads = applyRule(v.node, g);
      v.node.inputs.forEach((inp, i) => {
        const gi = inputGrads[i];
        if (!gi) return;
        if (!inp?.requiresGrad) {
          gi.dispose();
          return;
        }
        const prev = grads.get(inp);
        if (prev) {
          grads.set(inp, add(prev, gi));
          prev.dispose();
          gi.dispose();
        } else grads.set(inp, gi);
      });
    }
  });
}

/** Nodes reachable from root, root first, each before all of its inputs. */
function topoOrder(root: Variable): Variable[] {
  const visited = new Set<Variable>();
  const post: Variable[] = [];
  const stack: [Variable, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [v, i] = top;
    const inputs = v.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const inp = inputs[i];
      if (inp?.requiresGrad && !visited.has(inp)) {
        visited.add(inp);
        stack.push([inp, 0]);
      }
    } else {
      stack.pop();
      post.push(v);
    }
  }
  return post.reverse();
}

function applyRule(node: Node, g: Tensor): (Tensor | null)[] {
  const saved = node.saved.map(unpackSaved);
  node.saved = [];
  node.released = true;
  const rule = VJP_RULES[node.op] as VjpRule<typeof node.op>;
  try {
    const raw = tidy(() => rule({ g, saved, attrs: node.attrs, inputShapes: node.inputShapes }));
    // Rules may hand back g or a saved tensor itself; give every slot its own handle.
    const out = raw.map((t) => (t ? alias(t) : null));
    for (const t of raw) t?.dispose();
    return out;
  } finally {
    for (const t of saved) t.dispose();
    g.dispose();
  }
}

function accumulateLeaf(v: Variable, g: Tensor): void {
  const c = contiguous(g);
  g.dispose();
  if (v.grad) {
    const sum = add(v.grad, c);
    v.grad.dispose();
    c.dispose();
    v.grad = keep(sum);
  } else v.grad = keep(c);
}

function releaseNode(node: Node): void {
  for (const s of node.saved) discardSaved(s);
  node.saved = [];
  node.released = true;
}
