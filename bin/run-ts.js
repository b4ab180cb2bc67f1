#!/usr/bin/env node
// Runs a TypeScript entry point (e.g. bench/index.ts) in this process through tsx's loader: no build step.
const path = require('node:path');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: run-ts.js <file.ts> [args…]\n');
  process.exit(2);
}
require('tsx/cjs/api').register();
process.argv = [process.argv[0], path.resolve(entry), ...args];
require(path.resolve(entry));
