// Orthanc never outlives us and never leaves its temporary store behind: kill -9 of every Node process of
// `npm start -- --pacs`, a start that fails on a busy port, and stale stores from crashed runs; a store the user named
// survives all of it. Two short-lived servers, about 1 min on a shared two-core machine.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { npmStart } from '../e2e/harness';
import { CREDENTIALS_LINE, msUntil, nodeProcesses, orthancPid, running, startPacs } from './pacsHarness';
import { startOrthanc } from '../../src/server/orthanc';
import { OWNER_MARKER, RUN_DIR_PREFIX, removeStaleRunDirs } from '../../src/server/orthancRunDir';
import { processStartTicks } from '../../src/io/process-liveness';

jest.setTimeout(600_000);

const planted: string[] = [];
const persistent = fs.mkdtempSync(path.join(os.tmpdir(), 'na-sec-persistent-'));

function plant(marker: object | null): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  fs.mkdirSync(path.join(dir, 'db'));
  fs.writeFileSync(path.join(dir, 'db', 'index'), 'stale');
  if (marker) fs.writeFileSync(path.join(dir, OWNER_MARKER), JSON.stringify(marker));
  planted.push(dir);
  return dir;
}

const FORMAT = 'sodium-denoise/orthanc-run@1';
const deadPid = spawnSync('true').pid!; // exited and reaped: this PID names no process now

afterAll(() => {
  for (const d of [...planted, persistent]) fs.rmSync(d, { recursive: true, force: true });
});

describe('stale temporary stores', () => {
  it('removes only our folders whose owner is dead (PID gone or recycled)', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'na-sec-parent-'));
    const make = (name: string, marker: object | null) => {
      const dir = path.join(parent, name);
      fs.mkdirSync(dir);
      if (marker) fs.writeFileSync(path.join(dir, OWNER_MARKER), JSON.stringify(marker));
      return dir;
    };
    const dead = make(`${RUN_DIR_PREFIX}dead`, { format: FORMAT, pid: deadPid, startTicks: '1' });
    const recycled = make(`${RUN_DIR_PREFIX}recycled`, { format: FORMAT, pid: process.pid, startTicks: '1' });
    const live = make(`${RUN_DIR_PREFIX}live`, {
      format: FORMAT,
      pid: process.pid,
      startTicks: processStartTicks(process.pid),
    });
    const unmarked = make(`${RUN_DIR_PREFIX}unmarked`, null);
    const foreign = make('other-dead', { format: FORMAT, pid: deadPid, startTicks: '1' });
    fs.symlinkSync(dead + '-target', path.join(parent, `${RUN_DIR_PREFIX}link`));
    const removed = removeStaleRunDirs(parent).sort();
    expect(removed).toEqual([dead, recycled].sort());
    for (const kept of [live, unmarked, foreign]) expect(fs.existsSync(kept)).toBe(true);
    fs.rmSync(parent, { recursive: true, force: true });
  });
});

describe('npm start -- --pacs with a persistent store, then kill -9 of every Node process', () => {
  it('cleans stale stores at start, and Orthanc is gone within 5 s of the kill, its run folder with it', async () => {
    const stale = plant({ format: FORMAT, pid: deadPid, startTicks: '1' });
    const unmarked = plant(null);
    const run = await startPacs(['--orthanc-storage', persistent]);
    try {
      expect(fs.existsSync(stale)).toBe(false);
      expect(fs.existsSync(unmarked)).toBe(true);
      expect(run.server.log()).toMatch(/removed \d+ temporary Orthanc store\(s\) left by a crash/);
      const orthanc = orthancPid(run.runDir)!;
      expect(running(orthanc)).toBe(true);
      const nodes = nodeProcesses(run.server.child.pid!);
      expect(nodes.length).toBe(2); // scripts/start.js and the server it runs
      for (const pid of nodes) process.kill(pid, 'SIGKILL');
      const ms = await msUntil(() => !running(orthanc), 5000);
      expect(ms).toBeLessThanOrEqual(5000);
      expect(await msUntil(() => !fs.existsSync(run.runDir), 2000)).toBeLessThan(Infinity);
      // The store the user named keeps its data.
      expect(fs.readdirSync(persistent).length).toBeGreaterThan(0);
      console.log(`Orthanc gone ${ms} ms after kill -9 of ${nodes.length} Node processes`);
    } finally {
      await run.stop();
    }
  });
});

describe('npm start -- --pacs on a busy port', () => {
  it('fails with a clear message, and its Orthanc and run folder are gone within 5 s', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'na-sec-demo-'));
    let message = '';
    try {
      await npmStart(['--pacs', '--port', String(port), '--demo-dir', demoDir, '--demo-size', '16']);
    } catch (e) {
      message = (e as Error).message;
    } finally {
      busy.close();
      fs.rmSync(demoDir, { recursive: true, force: true });
    }
    expect(message).toMatch(new RegExp(`Port ${port} on 127.0.0.1 is in use`));
    const runDir = path.dirname(CREDENTIALS_LINE.exec(message)![1]);
    expect(await msUntil(() => orthancPid(runDir) === undefined && !fs.existsSync(runDir), 5000)).toBeLessThan(
      Infinity,
    );
  });
});

describe('the guard between us and Orthanc', () => {
  it('takes Orthanc and the run folder with it when it is killed itself (kill -9 of the guard)', async () => {
    const pacs = await startOrthanc();
    const orthanc = orthancPid(pacs.runDir)!;
    expect(running(orthanc)).toBe(true);
    process.kill(pacs.process.pid!, 'SIGKILL');
    expect(await msUntil(() => !running(orthanc) && !fs.existsSync(pacs.runDir), 5000)).toBeLessThan(Infinity);
    await pacs.stop();
  });
});
