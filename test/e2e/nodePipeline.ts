// The Node side of the e2e comparison, run as `node --import tsx test/e2e/nodePipeline.ts <demoDir> <method> <out>`
// (a child process: tfjs runs under Node exactly as the CLI runs it). Reads acquisition 1 and the mean of the three
// from the demo DICOM, runs denoiseVolume on the WASM backend, writes <out>.json (metrics) and <out>.f32 (voxels).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDicomFolder } from '../../src/io';
import { denoiseVolume } from '../../src/jobs/denoise';
import { modelWeightsSource } from '../../src/model/da/models';
import { meanVolume } from '../../src/core/volume';

async function main(): Promise<void> {
  const [demoDir, method, out] = process.argv.slice(2);
  if (!demoDir || (method !== 'da' && method !== 'nlm') || !out)
    throw new Error('usage: nodePipeline.ts <demoDir> da|nlm <out>');
  const series = await Promise.all(
    [1, 2, 3].map(async (k) => (await readDicomFolder(path.join(demoDir, `acq-${k}`)))[0]),
  );
  const source = series[0].volume;
  const reference = meanVolume(series.map((s) => s.volume));
  const weights = modelWeightsSource('da');
  const r = await denoiseVolume(source, method === 'da' ? { method: 'da', weights } : { method: 'nlm' }, {
    reference,
    referenceKind: 'mean-of-repeats',
    backend: 'wasm',
  });
  fs.writeFileSync(`${out}.f32`, Buffer.from(r.volume.data.buffer, r.volume.data.byteOffset, r.volume.data.byteLength));
  fs.writeFileSync(`${out}.src.f32`, Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength));
  fs.writeFileSync(
    `${out}.ref.f32`,
    Buffer.from(reference.data.buffer, reference.data.byteOffset, reference.data.byteLength),
  );
  fs.writeFileSync(
    `${out}.json`,
    JSON.stringify({
      backend: r.backend,
      millis: r.millis,
      metrics: r.metrics,
      parameters: r.parameters,
      dims: source.dims,
    }),
  );
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
