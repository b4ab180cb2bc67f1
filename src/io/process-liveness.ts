// Whether a process that left something on disk (a temporary output, a PACS run folder) still runs. A zombie counts
// as gone: in a container without an init that reaps orphans, a killed grandchild can stay a zombie indefinitely,
// and its leftovers would never be swept.
import * as fs from 'node:fs';

/** Fields of /proc/<pid>/stat after the parenthesised command name (which may hold spaces or parentheses). */
function procStatFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** True while `pid` runs (or belongs to another user); false when it is gone or a zombie. */
export function processRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = procStatFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

/** Start time of a running process in clock ticks since boot, or null when it is gone (or /proc is unavailable). */
export function processStartTicks(pid: number): string | null {
  return procStatFields(pid)?.[19] ?? null;
}
