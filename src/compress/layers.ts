/**
 * Finds the Linear layers of any model and what they belong to: a Linear directly inside a
 * MultiHeadAttention is 'attention', inside an MLP 'ffn'; everything else (poolers, classifier
 * and LM heads) is 'other'. This is what lets one compression API serve BERT, Llama and T5.
 */
import { MultiHeadAttention } from '../nn/attention.js';
import { MLP } from '../nn/mlp.js';
import type { Module } from '../nn/module.js';

export type LinearRole = 'attention' | 'ffn' | 'other';

export interface LayerSite<M extends Module = Module> {
  /** Dotted path, the state-dict prefix ("blocks.0.attn.q"). */
  path: string;
  parent: Module;
  /** The child's name inside parent. */
  name: string;
  layer: M;
  role: LinearRole;
}

export function roleOf(parent: Module): LinearRole {
  if (parent instanceof MultiHeadAttention) return 'attention';
  if (parent instanceof MLP) return 'ffn';
  return 'other';
}

/** Every child matching `isTarget`, depth first in registration order (the state-dict order). */
export function findLayers<M extends Module>(
  root: Module,
  isTarget: (m: Module) => m is M,
  prefix = '',
): LayerSite<M>[] {
  const out: LayerSite<M>[] = [];
  for (const [name, child] of root.namedChildren()) {
    const path = prefix + name;
    if (isTarget(child)) out.push({ path, parent: root, name, layer: child, role: roleOf(root) });
    else out.push(...findLayers(child, isTarget, `${path}.`));
  }
  return out;
}
