#!/usr/bin/env node
// `npm start [-- --pacs] [--port N]`: the only command on a fresh clone. Installs npm deps if missing, fetches the
// stock OHIF viewer, builds our extension bundle when missing or stale, then runs the server (src/server/main.ts),
// which generates the demo study if absent and prints the one URL to open.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureNodeModules } = require('./setup');

const root = path.join(__dirname, '..');
const BUNDLE = path.join(root, 'dist', 'na', 'na-denoise.js');
/** Inputs of the browser bundle: a newer file in any of them means a rebuild. */
const BUNDLE_INPUTS = [
  'src/extension',
  'src/jobs',
  'src/model',
  'src/core',
  'src/io',
  'webpack.config.js',
  'package-lock.json',
];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  return fs.readdirSync(p).reduce((m, e) => Math.max(m, newestMtime(path.join(p, e))), st.mtimeMs);
}

/** Builds dist/na when missing or older than its sources. Exported for `npm test` (the e2e tests need it). */
function ensureBundle() {
  const built = fs.existsSync(BUNDLE) ? fs.statSync(BUNDLE).mtimeMs : 0;
  const sources = Math.max(...BUNDLE_INPUTS.map((p) => newestMtime(path.join(root, p))));
  if (built && built >= sources) return;
  console.error('[setup] building the Denoise Na extension bundle (webpack)…');
  const res = spawnSync(
    process.execPath,
    [require.resolve('webpack-cli/bin/cli.js', { paths: [root] }), '--mode', 'production'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (res.status !== 0 || !fs.existsSync(BUNDLE))
    throw new Error('webpack build of the extension failed (run `npm run build` to see why)');
}

function main() {
  ensureNodeModules(root);
  require('./ohif-dist').ensureOhifDist(root);
  ensureBundle();
  const args = process.argv.slice(2);
  const child = spawn(
    process.execPath,
    [
      '--import',
      require('node:url').pathToFileURL(require.resolve('tsx')).href,
      path.join(root, 'src', 'server', 'main.ts'),
      ...args,
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

module.exports = { ensureBundle };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`npm start: ${e.message}`);
    process.exit(1);
  }
}
