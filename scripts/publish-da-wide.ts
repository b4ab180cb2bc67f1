// Publishes da-wide from a frozen first stage and a finished `train --final --stage2-of` run: weights/da-wide/ with
// both networks, one card (checksum over both), and MODEL_CARD.md. Usage:
//   node bin/run-ts.js scripts/publish-da-wide.ts --stage1 DIR --run RUN/final [--stage1-label "what stage 1 is"]
//     [--out weights/da-wide] [--note "…"]…
import * as path from 'node:path';
import { activateBackend } from '../src/model/backend';
import { loadDA } from '../src/model/da/weights-io';
import { publishTwoStage } from '../src/research/train/publishWeights';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const stage1Dir = arg('stage1');
  const run = arg('run');
  if (!stage1Dir || !run) throw new Error('usage: publish-da-wide.ts --stage1 DIR --run RUN/final [--out DIR]');
  const out = path.resolve(arg('out') ?? 'weights/da-wide');
  const reason = await activateBackend('cpu'); // saving builds a LayersModel: any backend will do
  if (reason) throw new Error(reason);
  const stage1 = await loadDA(path.resolve(stage1Dir));
  const stage2 = await loadDA(path.join(path.resolve(run), 'weights'));
  const bestEpoch = Number(stage2.card.training.bestEpoch);
  const epochs = Number(stage2.card.training.epochs);
  if (!(bestEpoch < epochs))
    throw new Error(`the second stage's best epoch ${bestEpoch} is its last (${epochs}): not converged, not published`);
  const notes = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--note' ? [a] : []));
  const files = await publishTwoStage({
    dir: out,
    stage1,
    stage1From: arg('stage1-label') ?? stage1Dir,
    stage2: stage2.weights,
    stage2Card: stage2.card,
    name: 'sodium-da-wide',
    version: `1.0.0-${new Date().toISOString().slice(0, 10)}`,
    backend: 'wasm',
    notes,
  });
  const back = await loadDA(out);
  console.log(`published ${back.card.name} ${back.card.version} (sha256 ${back.checksum}):\n${files.join('\n')}`);
}

main().catch((err) => {
  console.error(`publish-da-wide: ${(err as Error).message}`);
  process.exit(1);
});
