// CLI conventions shared by every subcommand: --json prints one object on stdout, logs go to stderr,
// errors exit non-zero with one clear line.
import type { Command } from 'commander';

export type ActionRunner = <O extends { json?: boolean }>(
  action: (opts: O) => Promise<{ json: unknown; text: string }>,
) => (opts: O) => Promise<void>;

/** Wraps a subcommand's action: prints its result as text or JSON and turns errors into one line + exit 1. */
export const runAction: ActionRunner = (action) => async (opts) => {
  try {
    const result = await action(opts);
    if (opts.json) process.stdout.write(JSON.stringify(result.json) + '\n');
    else if (result.text) process.stdout.write(result.text.endsWith('\n') ? result.text : result.text + '\n');
  } catch (err) {
    process.stderr.write(`sodium-denoise: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
};

export function log(message: string): void {
  process.stderr.write(message + '\n');
}

export type Register = (program: Command, run: ActionRunner) => void;
