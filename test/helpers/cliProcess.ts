// The `sodium-denoise` CLI as a child process the tests can run side by side, read as JSON lines, and kill: each
// run leads its own process group, so a kill reaches the wrapper and the Node it starts (as a scheduler's would).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const BIN = path.join(__dirname, '..', '..', 'bin', 'sodium-denoise.js');

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** JSON lines printed so far. */
  events: Array<Record<string, unknown>>;
  /** Resolves with the first JSON line that `match` accepts (rejects if the process exits first). */
  waitFor(match: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Signals the whole process group. */
  kill(signal: NodeJS.Signals): void;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Array<Record<string, unknown>>;
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    match: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }> = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of [...waiters]) {
        if (w.match(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, events })),
  );
  return {
    child,
    done,
    events,
    waitFor(match, timeoutMs = 120_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event within ${timeoutMs} ms:\n${stderr.slice(-2000)}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
        void done.then((r) => {
          clearTimeout(timer);
          reject(new Error(`the CLI exited (${r.code ?? r.signal}) before the event:\n${r.stderr.slice(-2000)}`));
        });
      });
    },
    kill(signal) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
        process.kill(-child.pid, signal);
    },
  };
}
