#!/usr/bin/env node
// `npm test`: installs what the tests need when it is missing (npm packages, Debian packages, the stock
// OHIF viewer), then runs jest and prints the plain `N passed, N failed` line CI reads.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureNodeModules, ensureDebianPackages } = require('./setup');

const root = path.join(__dirname, '..');
process.chdir(root);
ensureNodeModules(root);
ensureDebianPackages(require('./setup').TEST_DEBIAN_PACKAGES);
// DIPY's numpy runs on whatever libblas.so.3 is selected: OpenBLAS, as a user would have it.
require('./setup').ensureOpenBlas();
require('./ohif-dist').ensureOhifDist(root);
// The CLI tests run bin/sodium-denoise.js, which uses the compiled build/ only while it is current: rebuild a stale one
// so they test what ships.
spawnSync(process.execPath, [path.join(__dirname, 'build.js'), '--if-stale'], { stdio: 'inherit' });

const out = path.join(root, 'test-artifacts');
fs.mkdirSync(out, { recursive: true });
const jsonPath = path.join(out, 'jest-results.json');
fs.rmSync(jsonPath, { force: true });
const jestArgs = ['--json', `--outputFile=${jsonPath}`, ...process.argv.slice(2)];
const res = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...jestArgs], { stdio: 'inherit' });

let passed = 0,
  failed = 0;
if (fs.existsSync(jsonPath)) {
  const r = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  passed = r.numPassedTests;
  // Suites that fail to run contribute no failed tests of their own: count them so they are not lost.
  failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  printSuiteTimes(r);
}
console.log(`${passed} passed, ${failed} failed`);

/** Per-suite wall times, slowest first, so the suite's budget (well under CI's 90 minutes) stays visible. */
function printSuiteTimes(results) {
  const rows = results.testResults
    .map((s) => ({ file: path.relative(root, s.name), seconds: (s.endTime - s.startTime) / 1000, status: s.status }))
    .sort((a, b) => b.seconds - a.seconds);
  const total = (Date.now() - results.startTime) / 1000;
  console.log(`\nper-suite times (wall ${(total / 60).toFixed(1)} min for ${rows.length} suites):`);
  for (const r of rows)
    console.log(`${r.seconds.toFixed(1).padStart(8)} s  ${r.status === 'passed' ? '   ' : 'ERR'} ${r.file}`);
}
process.exit(res.status === 0 && passed > 0 && failed === 0 ? 0 : 1);
