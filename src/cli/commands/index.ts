import type { Command } from 'commander';
import { register as registerDemo } from './demo.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerIndex } from './index-cmd.js';
import { register as registerPlan } from './plan.js';
import { register as registerSafim } from './safim.js';

/** Every subcommand module exports a `register(program)`; list them here, one line each. */
export function registerCommands(program: Command): void {
  registerDemo(program);
  registerDoctor(program);
  registerIndex(program);
  registerPlan(program);
  registerSafim(program);
}
