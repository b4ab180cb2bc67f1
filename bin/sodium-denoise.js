#!/usr/bin/env node
// The `sodium-denoise` CLI: registers tsx's loader in this process and runs src/cli/main.ts (no build step, and
// signals such as Ctrl-C reach the command itself).
require('tsx/cjs/api').register();
require('../src/cli/main.ts');
