#!/usr/bin/env node
// Runs a TypeScript entry point through tsx, so the CLI, benchmarks and worker threads need no build step.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
// Resolved from this package, so the CLI works from any working directory.
const tsx = pathToFileURL(require.resolve('tsx')).href;
const [entry, ...args] = process.argv.slice(2);
const res = spawnSync(process.execPath, ['--import', tsx, path.resolve(entry), ...args], { stdio: 'inherit' });
process.exit(res.status === null ? 1 : res.status);
