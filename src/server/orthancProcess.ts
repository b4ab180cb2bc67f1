// How Orthanc is launched so it can neither outlive us nor listen beyond loopback: a parent-death signal on a tiny
// shell guard (which stops Orthanc and deletes the run folder) and on Orthanc itself, and a bind() shim.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../core/sha256';

const ROOT = path.resolve(__dirname, '..', '..');
const SHIM_SOURCE = path.join(__dirname, 'native', 'loopback-bind.c');

/**
 * The guard between our Node process and Orthanc. It runs under `setpriv --pdeathsig TERM`, so the kernel signals it
 * when our process dies, however it dies (kill -9 included); Orthanc runs under `--pdeathsig KILL`, so it cannot
 * outlive the guard either. $1: the run folder to delete when Orthanc ends; $2: our PID (a parent that died before
 * setpriv armed the signal is caught by comparing it with $PPID); the rest: Orthanc's command line.
 */
const GUARD_SCRIPT = `run=$1; owner=$2; shift 2; pid=
stop() {
  trap '' TERM INT HUP
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    (sleep 3; kill -KILL "$pid") >/dev/null 2>&1 &
    killer=$!
    wait "$pid"
    kill "$killer" 2>/dev/null
  fi
  rm -rf -- "$run"
  exit 0
}
trap stop TERM INT HUP
[ "$PPID" = "$owner" ] || stop
setpriv --pdeathsig KILL -- "$@" &
pid=$!
wait "$pid"; code=$?
rm -rf -- "$run"
exit "$code"
`;

/**
 * Path of the compiled bind() shim (built once per source version into .cache/native with the system C compiler).
 * @example LD_PRELOAD=$(loopbackShim()) Orthanc config.json // its listeners bind 127.0.0.1 / ::1 only
 */
export function loopbackShim(): string {
  const source = fs.readFileSync(SHIM_SOURCE);
  const out = path.join(ROOT, '.cache', 'native', `loopback-bind-${sha256Hex(source).slice(0, 16)}.so`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC ?? 'cc';
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-o', tmp, SHIM_SOURCE, '-ldl'], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `Orthanc binds its HTTP port on every interface; keeping it on loopback needs a C compiler to build ` +
        `${path.relative(ROOT, SHIM_SOURCE)} (apt-get install gcc libc6-dev): ${(r.error?.message ?? r.stderr).trim()}`,
    );
  }
  fs.renameSync(tmp, out); // atomic: concurrent starts never load a half-written library
  return out;
}

/** Starts `command` under the guard; the guard deletes `runDir` when Orthanc ends, whichever way it ends. */
export function spawnGuarded(command: readonly string[], runDir: string): ChildProcess {
  return spawn(
    'setpriv',
    [
      '--pdeathsig',
      'TERM',
      '--',
      '/bin/sh',
      '-c',
      GUARD_SCRIPT,
      'na-orthanc-guard',
      runDir,
      String(process.pid),
      ...command,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C or a group kill aimed at us reaches it only through our stop() or the signal.
      detached: true,
      env: { ...process.env, LD_PRELOAD: loopbackShim() },
    },
  );
}

/** Is a /proc/net/tcp{,6} local address (hex, host byte order per 32-bit word) a loopback address? */
function isLoopbackHex(hex: string): boolean {
  if (hex.length === 8) return hex.slice(6, 8).toUpperCase() === '7F';
  const v6 = hex.toUpperCase();
  return v6 === '00000000000000000000000001000000' || /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(v6);
}

/** Listening sockets on `port` whose address is not loopback, as "hex-address:port" (empty when all are loopback). */
export function nonLoopbackListeners(port: number): string[] {
  const bad: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue; // 0A: LISTEN
      const [addr, portHex] = f[1].split(':');
      if (parseInt(portHex, 16) === port && !isLoopbackHex(addr)) bad.push(`${addr}:${port}`);
    }
  }
  return bad;
}
