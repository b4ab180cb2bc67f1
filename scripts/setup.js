// Install helpers shared by `npm start` and `npm test`: each step runs only when its result is missing.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Debian packages the test suite uses (DICOM validator, Python references, PACS, browser). */
const TEST_DEBIAN_PACKAGES = {
  dciodvfy: 'dicom3tools',
  dcmdump: 'dcmtk',
  Orthanc: 'orthanc',
  chromium: 'chromium',
  cc: 'gcc', // builds Orthanc's loopback bind() shim (src/server/native)
  setpriv: 'util-linux', // Orthanc's parent-death signal
  ss: 'iproute2', // test/security checks Orthanc's listeners
};
/** Packages checked by a file rather than a command. */
const TEST_DEBIAN_FILES = {
  '/usr/share/orthanc/plugins/libOrthancDicomWeb.so': 'orthanc-dicomweb',
  '/usr/include/dlfcn.h': 'libc6-dev',
};
const PYTHON_MODULES = { skimage: 'python3-skimage', dipy: 'python3-dipy' };

function ensureNodeModules(root) {
  const stamp = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  console.error('[setup] installing npm dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

function has(cmd) {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/bash' });
    return true;
  } catch {
    return false;
  }
}

function hasPython(mod) {
  try {
    execSync(`/usr/bin/python3 -c "import ${mod}"`, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** apt-get installs whatever of the given command→package map is missing (root only; we are root here). */
function ensureDebianPackages(commands = TEST_DEBIAN_PACKAGES, files = TEST_DEBIAN_FILES, python = PYTHON_MODULES) {
  const missing = new Set();
  for (const [cmd, pkg] of Object.entries(commands)) if (!has(cmd)) missing.add(pkg);
  for (const [file, pkg] of Object.entries(files)) if (!fs.existsSync(file)) missing.add(pkg);
  for (const [mod, pkg] of Object.entries(python)) if (!hasPython(mod)) missing.add(pkg);
  if (missing.size === 0) return;
  const list = [...missing].join(' ');
  console.error(`[setup] installing Debian packages: ${list}`);
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  execSync(
    `${sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -qq --no-install-recommends ${list}`,
    {
      stdio: 'inherit',
      shell: '/bin/bash',
    },
  );
}

module.exports = { ensureNodeModules, ensureDebianPackages, TEST_DEBIAN_PACKAGES, TEST_DEBIAN_FILES, PYTHON_MODULES };
