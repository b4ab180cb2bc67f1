// Study adaptation (jobs/adapt) on phantom studies: the whole job within its budget (64³: 45 s, the issue's limit is
// 60 s; 128³: 180 s, limit 4×), how the budget splits into preparation and training, training throughput against the
// bare trainer step measured in the same run, and when the best held-out epoch came. Then the same in the viewer
// (adaptBrowser.ts: Chromium, the adapt Web Worker on WASM; limit 120 s at 64³), unless BENCH_ADAPT_BROWSER=0.
// BENCH_ADAPT_MODEL=da-wide adapts the two-stage model instead of the paper's DA; BENCH_ADAPT_NODE=0 skips Node.
import { adaptDA, studyHash } from '../src/jobs/adapt';
import { activateBackend } from '../src/model/backend';
import { createDATrainer } from '../src/model/da/trainer';
import { loadDA } from '../src/model/da/weights-io';
import { generateSubject, resolvePhantomParams } from '../src/phantom';
import * as os from 'node:os';
import { modelWeightsSource, parseModelName } from '../src/model/da/models';
import { browserAdaptRows } from './adaptBrowser';
import type { BenchTable } from './types';

const SECONDS = Number(process.env.BENCH_ADAPT_SECONDS ?? 45);
const CASES: { matrix: number; voxelSizeMm: number; seconds: number; limit: number; noise?: 'apodised' }[] = [
  { matrix: 64, voxelSizeMm: 4, seconds: SECONDS, limit: 60 },
  // Correlated noise: a whitened candidate trains after the plain one, in the same budget.
  { matrix: 64, voxelSizeMm: 4, seconds: SECONDS, limit: 60, noise: 'apodised' },
  { matrix: 128, voxelSizeMm: 2, seconds: 4 * SECONDS, limit: 240 },
];

/** Samples/s of the bare fast-trainer step (batch 128), the ceiling of adaptation's training throughput. */
async function bareStepRate(seconds: number): Promise<number> {
  const t = await createDATrainer({ seed: 1 });
  const patches = Float32Array.from({ length: 128 * 125 }, (_, i) => (i % 97) / 97);
  const targets = Float32Array.from({ length: 128 }, (_, i) => (i % 13) / 13);
  t.step(patches, targets);
  let steps = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < seconds || steps < 3) {
    t.step(patches, targets);
    steps++;
  }
  const rate = (steps * 128) / ((performance.now() - t0) / 1000);
  t.dispose();
  return rate;
}

export async function run(): Promise<BenchTable[]> {
  await activateBackend('wasm');
  const model = parseModelName(process.env.BENCH_ADAPT_MODEL ?? 'da', 'BENCH_ADAPT_MODEL');
  const parent = await loadDA(modelWeightsSource(model));
  const rows: BenchTable['rows'] = [];
  for (const c of CASES) {
    if (process.env.BENCH_ADAPT_NODE === '0') break;
    if (process.env.BENCH_ADAPT_ONLY_64 && c.matrix !== 64) continue;
    const subject = generateSubject(
      resolvePhantomParams({
        subjects: 1,
        seed: 77,
        matrix: c.matrix,
        voxelSizeMm: c.voxelSizeMm,
        ...(c.noise ? { noise: c.noise } : {}),
      }),
      0,
    );
    const bare = await bareStepRate(5);
    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ');
    let trainingStartedAt = NaN;
    const t0 = performance.now();
    const r = await adaptDA(subject.acquisitions, parent, {
      study: studyHash([`bench:${c.matrix}`]),
      seconds: c.seconds,
      onProgress: (p) => {
        if (p.stage === 'training' && Number.isNaN(trainingStartedAt)) trainingStartedAt = p.elapsedSeconds;
      },
    });
    const wall = (performance.now() - t0) / 1000;
    const trainSeconds = wall - trainingStartedAt;
    const kept = r.record.whitening?.kept ? 'whitened' : 'plain';
    const best = r.history.find((h) => h.epoch === r.record.bestEpoch && (h.candidate ?? 'plain') === kept);
    rows.push({
      study: `${c.matrix}³ × ${c.voxelSizeMm} mm, 3 repeats${c.noise ? `, ${c.noise} noise (${kept} kept)` : ''}`,
      parent: parent.card.name,
      'budget s': c.seconds,
      'limit s': c.limit,
      'wall s': Number(wall.toFixed(1)),
      'prep + parent val s': Number(trainingStartedAt.toFixed(1)),
      epochs: r.record.epochs,
      samples: r.record.samples,
      'adapt samples/s': Math.round(r.record.samples / Math.max(trainSeconds, 1e-9)),
      'bare step samples/s': Math.round(bare),
      'best epoch at s': best ? Number(best.elapsedSeconds.toFixed(1)) : null,
      'held-out gain %': r.record.validation.gainPercent,
      adapted: r.adapted ? 'yes' : 'no',
      'within limit': wall <= c.limit ? 'yes' : 'NO',
      'load 1/5/15 min': load,
    });
  }
  const browserRows: BenchTable['rows'] = [];
  if (process.env.BENCH_ADAPT_BROWSER !== '0') {
    for (const size of (process.env.BENCH_ADAPT_BROWSER_SIZES ?? '64').split(',').map(Number))
      browserRows.push(...(await browserAdaptRows(size, model)));
  }
  return [
    ...(rows.length === 0
      ? []
      : [
          {
            title: 'Study adaptation in Node (adaptDA, wasm): the whole job within its time budget',
            columns: Object.keys(rows[0]),
            rows,
            notes: [
              'adapt samples/s includes patch sampling and the held-out validations; bare step = trainer.step alone, same run',
              'the job stops at its budget by design; "within limit" checks the wall time against the issue’s limit',
            ],
          },
        ]),
    ...(browserRows.length
      ? [
          {
            title: 'Study adaptation in the viewer: click "Adapt DA to this study" to the summary, headless Chromium',
            columns: Object.keys(browserRows[0]),
            rows: browserRows,
            notes: [
              'adapt s: the adaptation job in the Web Worker (its budget is the viewer default); click → result adds reading the repeats and the DA run that shows the result',
              'BENCH_ADAPT_BROWSER_SIZES=64,128 adds the 128³ demo; BENCH_ADAPT_BROWSER=0 skips the browser',
            ],
          },
        ]
      : []),
  ];
}
