// Whether build/ (compiled by scripts/build.js) is current: its stamp is newer than every file and folder under src/
// and than tsconfig.build.json. Kept dependency-free and quick (one stat per source file, a few ms).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const BUILD_DIR = path.join(ROOT, 'build');
const STAMP = path.join(BUILD_DIR, '.stamp');

function newestMtime(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return fs.readdirSync(p).reduce((m, e) => Math.max(m, newestMtime(path.join(p, e))), st.mtimeMs);
}

/** True when build/ exists and nothing it was compiled from changed since. */
function buildIsCurrent() {
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false });
  if (!stamp) return false;
  const sources = Math.max(newestMtime(path.join(ROOT, 'src')), newestMtime(path.join(ROOT, 'tsconfig.build.json')));
  return stamp.mtimeMs >= sources;
}

module.exports = { buildIsCurrent, BUILD_DIR, STAMP };
