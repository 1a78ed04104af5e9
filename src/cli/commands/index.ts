import type { Command } from 'commander';

/** Every subcommand module exports a `register(program)`; list them here, one line each. */
export function registerCommands(_program: Command): void {}
