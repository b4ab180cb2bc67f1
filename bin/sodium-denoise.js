#!/usr/bin/env node
// The `sodium-denoise` CLI: runs src/cli/main.ts through tsx (no build step).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
// Resolved from this package, so the CLI works from any working directory.
const tsx = pathToFileURL(require.resolve('tsx')).href;
const main = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
const res = spawnSync(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status === null ? 1 : res.status);
