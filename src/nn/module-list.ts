import { Module } from './module.js';

/** An indexed sequence of child modules, named "0", "1", … in state dicts (like torch.nn.ModuleList). */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.addModule(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }
}
