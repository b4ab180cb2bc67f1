#!/usr/bin/env node
// `npm run prepare` (run by npm after `npm ci` / `npm install`): compiles src/ (less the browser extension, which
// webpack bundles) to CommonJS in build/, so the CLI and its worker threads start without compiling TypeScript.
// build/.stamp records when the compile started; bin/sodium-denoise.js uses build/ only while no file under src/ is
// newer. Usage: node scripts/build.js [--if-stale]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildIsCurrent, BUILD_DIR, STAMP } = require('../bin/build-state');

const root = path.join(__dirname, '..');

function build() {
  const started = new Date();
  const tsc = require.resolve('typescript/bin/tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  // tsc exits 2 when it reports type errors but still emitted: the JavaScript is what tsx would run, so keep it (the
  // type check proper is `npm run typecheck`). Anything else means no usable output.
  if (res.status !== 0 && res.status !== 2) {
    console.error(`[build] tsc failed (status ${res.status}); the CLI will run the TypeScript through tsx`);
    process.exit(1);
  }
  if (res.status === 2) console.error('[build] tsc reported type errors (output emitted anyway)');
  fs.writeFileSync(STAMP, `${started.toISOString()}\n`);
  fs.utimesSync(STAMP, started, started);
}

if (require.main === module) {
  if (process.argv.includes('--if-stale') && buildIsCurrent()) process.exit(0);
  try {
    require.resolve('typescript/bin/tsc');
  } catch {
    console.error('[build] typescript is not installed (production install?): the CLI will run through tsx');
    process.exit(0);
  }
  build();
  console.error(`[build] compiled src/ to ${path.relative(process.cwd(), BUILD_DIR) || BUILD_DIR}`);
}

module.exports = { build };
