// Runs a TypeScript entry point in a child Node with tsx's loader (`--import tsx`, resolved from this package so it
// works from any directory), forwarding Ctrl-C/TERM so the command can save its work, and exiting with its status.
const { spawn } = require('node:child_process');
const { pathToFileURL } = require('node:url');

function runTs(entry, args) {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, entry, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // A terminal's Ctrl-C reaches the child too (same process group); `kill -INT <pid>` reaches only us, so pass it on.
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 0) : 1)),
  );
}

module.exports = { runTs };
