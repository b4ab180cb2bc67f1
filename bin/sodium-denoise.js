#!/usr/bin/env node
// The `sodium-denoise` CLI: runs src/cli/main.ts through tsx (no build step).
const path = require('node:path');
require('./tsx-run').runTs(path.join(__dirname, '..', 'src', 'cli', 'main.ts'), process.argv.slice(2));
