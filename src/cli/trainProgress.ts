// Training progress on stderr: a cli-progress bar per epoch (loss, val loss, samples/s, ETA) on a terminal, and one
// summary line per epoch when stderr is a file (nohup, CI), so detached logs stay readable.
import { SingleBar } from 'cli-progress';
import type { ProgressReporter } from '../research/train/progressReporter';

export type { ProgressReporter };

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressReporter {
  if (quiet) return { startEpoch() {}, step() {}, endEpoch() {}, message() {} };
  const tty = Boolean(stream.isTTY);
  let bar: SingleBar | null = null;
  let label = '';
  return {
    startEpoch(runLabel, epoch, maxEpochs, totalSteps, startStep) {
      label = `${runLabel} epoch ${epoch}/${maxEpochs}`;
      if (!tty) return;
      bar = new SingleBar({
        stream,
        format: `${label} [{bar}] {percentage}% | loss {loss} | val {val} | {rate} samples/s | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: false,
        clearOnComplete: false,
        etaBuffer: 50,
      });
      bar.start(totalSteps, startStep, { loss: '—', val: '—', rate: '—' });
    },
    step(step, loss, samplesPerSecond) {
      bar?.update(step, { loss: loss.toExponential(3), rate: Math.round(samplesPerSecond).toString() });
    },
    endEpoch(s) {
      const line = `${label}: loss ${s.trainLoss.toExponential(4)} | val ${s.valLoss.toExponential(4)}${s.best ? ' (best)' : ''} | ${Math.round(s.samplesPerSecond)} samples/s | ${s.seconds.toFixed(1)} s${s.note ? ' | ' + s.note : ''}`;
      if (bar) {
        bar.update({ val: s.valLoss.toExponential(3) });
        bar.stop();
        bar = null;
      }
      stream.write(line + '\n');
    },
    message(line) {
      stream.write(line + '\n');
    },
  };
}
