// Entry of the `sodium-denoise` CLI: one module per subcommand, each exporting `register(program)`.
// Only the subcommand being run is loaded (DICOM, tfjs and the phantom cost up to 0.3 s of start-up each); help, the
// version and unknown names load them all so the listing stays complete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { runAction, type Register } from './output';

/** Each subcommand's name and how to load its `register`. The order is the order of `--help`. */
const SUBCOMMANDS: ReadonlyArray<[string, () => Promise<Register>]> = [
  ['phantom', async () => (await import('./phantom')).registerPhantom],
  ['convert', async () => (await import('./convert')).registerConvert],
  ['info', async () => (await import('./info')).registerInfo],
  ['mask', async () => (await import('./mask')).registerMask],
  ['metrics', async () => (await import('./metrics')).registerMetrics],
  ['denoise', async () => (await import('./denoise')).registerDenoise],
  ['train', async () => (await import('./train')).registerTrain],
  ['evaluate', async () => (await import('./evaluate')).registerEvaluate],
  ['adapt', async () => (await import('./adapt')).registerAdapt],
  ['batch', async () => (await import('./batch')).registerBatch],
  ['watch', async () => (await import('./watch')).registerWatch],
  ['robustness', async () => (await import('./robustness')).registerRobustness],
  ['concentration', async () => (await import('./concentration')).registerConcentration],
];

/** The version in package.json (two folders up from src/cli and from the compiled build/cli alike). */
function packageVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** The subcommands to load for these arguments: the one named first, none for the version alone, or all of them
 * (help, a typo: commander then lists or suggests every name). */
function subcommandsFor(args: readonly string[]): ReadonlyArray<[string, () => Promise<Register>]> {
  const first = args.find((a) => !a.startsWith('-'));
  if (first === undefined && args.some((a) => a === '-V' || a === '--version')) return [];
  const named = SUBCOMMANDS.filter(([name]) => name === first);
  return first !== undefined && first !== 'help' && named.length === 1 ? named : SUBCOMMANDS;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('sodium-denoise')
    .description(
      'Sodium (23Na) MRI denoising: synthetic cohort, DICOM/NIfTI conversion, masks, metrics, DA and NLM denoising, training',
    )
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError();
  for (const [, load] of subcommandsFor(argv.slice(2))) (await load())(program, runAction);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`sodium-denoise: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
