/** `frugal`: the tensor engine at the top level; other layers have their own subpaths (frugal/plan, ...). */
export * from './backend/index.js';
export * from './ops/index.js';
