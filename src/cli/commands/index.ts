import type { Command } from 'commander';
import { register as registerCompress } from './compress.js';
import { register as registerDemo } from './demo.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerEval } from './eval.js';
import { register as registerExport } from './export.js';
import { register as registerGenerate } from './generate.js';
import { register as registerIndex } from './index-cmd.js';
import { register as registerPlan } from './plan.js';
import { register as registerSafim } from './safim.js';
import { register as registerTrain } from './train.js';

/** Every subcommand module exports a `register(program)`; list them here, one line each. */
export function registerCommands(program: Command): void {
  registerCompress(program);
  registerDemo(program);
  registerDoctor(program);
  registerEval(program);
  registerExport(program);
  registerGenerate(program);
  registerIndex(program);
  registerPlan(program);
  registerSafim(program);
  registerTrain(program);
}
