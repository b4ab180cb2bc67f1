// Running the `sodium-denoise` CLI from tests: the real binary in a child process (exit status, stderr, start-up), or
// one subcommand in-process (registered as main.ts registers it, with runAction) when only its behaviour matters.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { runAction, type Register } from '../../src/cli/output';

export const ROOT = path.join(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'sodium-denoise.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the child is killed (default: none). */
  timeout?: number;
}

/** Runs bin/sodium-denoise.js with `args` (slow to start: every subcommand loads). */
export function spawnCli(args: readonly string[], opts: SpawnOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs one subcommand in-process, capturing stdout and stderr: fast, and the same code path as the binary. */
export async function runIn(register: Register, ...args: string[]): Promise<CliResult> {
  const program = new Command('sodium-denoise').exitOverride();
  register(program, runAction);
  let stdout = '';
  let stderr = '';
  const out = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    await program.parseAsync(['node', 'sodium-denoise', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}
