#!/usr/bin/env node
/** The `frugal` command: one subcommand per user task, each registered from its own module. */
import { Command } from 'commander';
import { FrugalError } from '../core/errors.js';
import { backendStatus } from '../ops/index.js';
import { registerCommands } from './commands/index.js';

const program = new Command('frugal')
  .description('Make transformer models cheaper to train, compress and serve.')
  .showHelpAfterError();
registerCommands(program);

// Without the addon every op runs on the TypeScript reference, tens of times slower: say so once
// instead of letting a training run or an eval look hung.
const nativeProblem = backendStatus().unavailable.native;
if (nativeProblem !== undefined && process.env.FRUGAL_NATIVE !== '0')
  console.error(`frugal: warning: every op runs on the slow TypeScript reference: ${nativeProblem}`);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof FrugalError) {
    console.error(`frugal: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
