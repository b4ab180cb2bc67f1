#!/usr/bin/env node
// The `sodium-denoise` CLI: runs the compiled build/cli/main.js (made by `npm run prepare`) in this process when it is
// current, otherwise src/cli/main.ts through tsx (slower start; a note says so on a terminal).
const path = require('node:path');
const { buildIsCurrent, BUILD_DIR } = require('./build-state');

if (buildIsCurrent()) {
  require(path.join(BUILD_DIR, 'cli', 'main.js'));
} else {
  if (process.stderr.isTTY)
    process.stderr.write(
      'sodium-denoise: build/ is missing or older than src/ (npm run prepare); running through tsx\n',
    );
  require('./tsx-run').runTs(path.join(__dirname, '..', 'src', 'cli', 'main.ts'), process.argv.slice(2));
}
