#!/usr/bin/env node
/** The `frugal` command: one subcommand per user task, each registered from its own module. */
import { Command } from 'commander';
import { FrugalError } from '../core/errors.js';
import { registerCommands } from './commands/index.js';

const program = new Command('frugal')
  .description('Make transformer models cheaper to train, compress and serve.')
  .showHelpAfterError();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof FrugalError) {
    console.error(`frugal: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
