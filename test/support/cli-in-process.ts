import { Command } from 'commander';

/**
 * Parses `frugal <args>` in this process with the given subcommands registered: exit status, and
 * what the command wrote (console.log included). A thrown error gives status 1 and its message,
 * where `src/cli/main.ts` would print it and exit.
 */
export async function runCliInProcess(
  register: readonly ((program: Command) => void)[],
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('frugal')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  for (const r of register) r(program);
  const log = console.log;
  console.log = (...a: unknown[]) => {
    stdout += `${a.join(' ')}\n`;
  };
  let status = 0;
  try {
    await program.parseAsync(['node', 'frugal', ...args]);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    status = code ?? 1;
    if (code === undefined) stderr += (e as Error).message;
  } finally {
    console.log = log;
  }
  return { status, stdout, stderr };
}
