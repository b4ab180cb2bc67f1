// Runs a TypeScript entry point in a child Node with tsx's loader (`--import tsx`, resolved from this package so it
// works from any directory), forwarding Ctrl-C/TERM so the command can save its work, and exiting with its status.
const { spawn } = require('node:child_process');
const { pathToFileURL } = require('node:url');

/**
 * Signals of one kind closer together than this count as one (the child's training loop uses the same window):
 * a terminal's Ctrl-C and `timeout -s INT` signal the whole process group, so both we and the child get it, and
 * `timeout` also signals us directly. Forwarding once per window makes one key press one signal for the child
 * (which ignores the group's copy arriving within the window), while `kill -INT <our pid>` still reaches it.
 */
const SAME_SIGNAL_MS = 1000;

function runTs(entry, args) {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, entry, ...args], { stdio: 'inherit' });
  const lastForward = {};
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      const now = Date.now();
      if (now - (lastForward[signal] ?? -Infinity) < SAME_SIGNAL_MS) return;
      lastForward[signal] = now;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 0) : 1)),
  );
}

module.exports = { runTs };
