#!/usr/bin/env node
// Runs a TypeScript entry point (e.g. bench/index.ts) through tsx: no build step.
const path = require('node:path');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: run-ts.js <file.ts> [args…]\n');
  process.exit(2);
}
require('./tsx-run').runTs(path.resolve(entry), args);
