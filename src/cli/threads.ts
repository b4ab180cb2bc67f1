// `--threads`: the one flag for worker threads in every command (parsed by cli/parse as an integer ≥ 1). More
// threads than cores only add memory and contention, so a larger request is capped at the core count with a note.
import * as os from 'node:os';
import { log } from './output';
import { intOption } from './parse';

/** The `--threads <n>` option, described for the command that uses it. */
export function threadsOption(what: string) {
  return intOption('--threads <n>', `${what} (default: one per core; capped at the core count)`, { min: 1 });
}

/**
 * The thread count to use: --threads when given (capped at the cores here, with a note on stderr), else the cores.
 * @example threadCount(64) // 2 on a 2-core machine, after "note: --threads 64 capped at the 2 cores here"
 */
export function threadCount(requested: number | undefined, cores = os.availableParallelism()): number {
  if (requested === undefined) return cores;
  if (requested > cores) {
    log(`note: --threads ${requested} capped at the ${cores} core${cores === 1 ? '' : 's'} here`);
    return cores;
  }
  return requested;
}
