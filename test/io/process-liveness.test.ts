import { spawn, spawnSync } from 'node:child_process';
import { processRunning, processStartTicks } from '../../src/io/process-liveness';

describe('processRunning', () => {
  it('is true for this process and a running child, false for an exited one', async () => {
    expect(processRunning(process.pid)).toBe(true);
    const child = spawn('sleep', ['5']);
    expect(processRunning(child.pid!)).toBe(true);
    expect(processStartTicks(child.pid!)).toMatch(/^\d+$/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(processRunning(child.pid!)).toBe(false);
    expect(processStartTicks(child.pid!)).toBeNull();
  });

  it('counts a zombie (killed, never reaped by its parent) as gone', async () => {
    // The shell starts a short child, then becomes `sleep`, which never waits: the child stays a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (d) => r(String(d).trim()))));
    await new Promise((r) => setTimeout(r, 500));
    const state = spawnSync('ps', ['-o', 'stat=', '-p', String(zombie)], { encoding: 'utf8' }).stdout.trim();
    expect(state).toMatch(/^Z/);
    expect(processRunning(zombie)).toBe(false);
    parent.kill('SIGKILL');
  });
});
