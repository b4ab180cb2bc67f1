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

/** Debian's multiarch triplet for this machine (where libblas.so.3 and its alternatives live). */
const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] ?? `${process.arch}-linux-gnu`;
const OPENBLAS_BLAS = `/usr/lib/${MULTIARCH}/openblas-pthread/libblas.so.3`;
const OPENBLAS_LAPACK = `/usr/lib/${MULTIARCH}/openblas-pthread/liblapack.so.3`;

/**
 * The Python peers (numpy, DIPY, PyTorch) call whatever libblas.so.3 the alternatives system points at; the reference
 * BLAS is several times slower than OpenBLAS, which would flatter us. Installs OpenBLAS and selects it.
 */
function ensureOpenBlas() {
  ensureDebianPackages({}, { [OPENBLAS_BLAS]: 'libopenblas0-pthread' }, {});
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  for (const [name, lib] of [
    [`libblas.so.3-${MULTIARCH}`, OPENBLAS_BLAS],
    [`liblapack.so.3-${MULTIARCH}`, OPENBLAS_LAPACK],
  ]) {
    let current;
    try {
      current = /^Value: (.*)$/m.exec(execSync(`update-alternatives --query ${name}`, { encoding: 'utf8' }))?.[1];
    } catch {
      continue; // no such alternative on this system: nothing to switch
    }
    if (current === lib || !fs.existsSync(lib)) continue;
    console.error(`[setup] selecting OpenBLAS for ${name} (was ${current || 'unset'})`);
    execSync(`${sudo}update-alternatives --set ${name} ${lib}`, { stdio: 'inherit' });
  }
}

/** `npm run bench`'s peers: DIPY (with the test packages) and Debian's PyTorch, on OpenBLAS. */
function ensureBenchPeers() {
  ensureDebianPackages({}, {}, { ...PYTHON_MODULES, torch: 'python3-torch' });
  ensureOpenBlas();
}

module.exports = {
  ensureNodeModules,
  ensureDebianPackages,
  ensureOpenBlas,
  ensureBenchPeers,
  TEST_DEBIAN_PACKAGES,
  TEST_DEBIAN_FILES,
  PYTHON_MODULES,
};
