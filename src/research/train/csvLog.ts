// The per-run CSV log: one row per epoch, rewritten whole from the checkpoint's history so a resume never duplicates rows.
import * as fs from 'node:fs';
import type { EpochRecord } from './checkpoint';
import { writeFileAtomicSync } from '../../io/atomic-write';

export const CSV_HEADER = 'epoch,train_loss,val_loss,samples,seconds,samples_per_s,best';

export function writeEpochLog(file: string, history: readonly EpochRecord[], bestEpoch: number): void {
  const rows = history.map((h) =>
    [
      h.epoch,
      h.trainLoss.toExponential(6),
      h.valLoss.toExponential(6),
      h.samples,
      h.seconds.toFixed(2),
      h.samplesPerSecond.toFixed(1),
      h.epoch === bestEpoch ? 1 : 0,
    ].join(','),
  );
  writeFileAtomicSync(file, [CSV_HEADER, ...rows].join('\n') + '\n');
}

/** Reads a log written by writeEpochLog (for reports and figures). */
export function readEpochLog(file: string): EpochRecord[] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  if (lines[0] !== CSV_HEADER) throw new Error(`${file} is not a training log (header "${lines[0]}")`);
  return lines
    .slice(1)
    .filter(Boolean)
    .map((line, i) => {
      const c = line.split(',');
      if (c.length !== 7) throw new Error(`${file}: row ${i + 2} has ${c.length} columns, expected 7`);
      return {
        epoch: Number(c[0]),
        trainLoss: Number(c[1]),
        valLoss: Number(c[2]),
        samples: Number(c[3]),
        seconds: Number(c[4]),
        samplesPerSecond: Number(c[5]),
      };
    });
}
