// `sodium-denoise concentration` in-process (runIn: the binary's code path): a phantom DICOM series → a mM series
// with Real World Value Mapping whose tubes read their concentrations; tubes by position; one-line errors.
// Runtime ≈ 15 s (one 48³ subject).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDicomFolder, writeDicomSeriesFiles } from '../../src/io/dicom/node-files';
import { getItems } from '../../src/io/dicom';
import { registerConcentration } from '../../src/cli/concentration';
import { runIn } from '../helpers/cli';
import { phantomSubject } from '../helpers/phantom';

describe('sodium-denoise concentration', () => {
  const s = phantomSubject({ seed: 5, matrix: 48, voxelSizeMm: 5.5 });
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tsc-'));
    await writeDicomSeriesFiles(file('acq1'), s.acquisitions[0], { seriesDescription: '23Na acq 1' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a DERIVED mM series with Real World Value Mapping; its tubes read their concentrations', async () => {
    const r = await runIn(registerConcentration, 'concentration', '--in', file('acq1'), '--out', file('tsc'), '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.tubeSource).toBe('detected');
    expect(json.tubes.map((t: { concentrationMM: number }) => t.concentrationMM)).toEqual([50, 100]);
    const [series] = await readDicomFolder(file('tsc'));
    expect(series.header.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER']);
    const [rwvm] = getItems(series.header, 'RealWorldValueMappingSequence');
    expect(getItems(rwvm, 'MeasurementUnitsCodeSequence')[0].CodeValue).toBe('mmol/L');
    // The map at each tube's centre voxel is its concentration within noise (one voxel: σ/slope ≈ 4 mM).
    for (const t of json.tubes) {
      const [x, y, z] = t.centreMm as number[];
      const v = series.volume;
      const ijk = [x, y, z].map((p, a) => Math.round((p - v.origin[a]) / v.spacing[a]));
      const value = v.data[ijk[0] + v.dims[0] * (ijk[1] + v.dims[1] * ijk[2])];
      expect(Math.abs(value - t.concentrationMM)).toBeLessThan(15);
    }
    const byPosition = await runIn(
      registerConcentration,
      'concentration',
      '--in',
      file('acq1'),
      '--out',
      file('tsc.nii.gz'),
      '--tubes',
      s.tubes.map((t) => `${t.centreMm[0]},${t.centreMm[1]},0:${t.concentrationMM}`).join(';'),
    );
    expect(byPosition.code).toBe(0);
    expect(byPosition.stdout).toMatch(/2 tubes \(positions\)/);
  });

  it('says in one line what is wrong', async () => {
    const bad = await runIn(
      registerConcentration,
      'concentration',
      '--in',
      file('acq1'),
      '--out',
      file('x'),
      '--concentrations',
      '20,50,100',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/found 2 calibration tubes but 3 concentrations/);
    const both = await runIn(
      registerConcentration,
      'concentration',
      '--in',
      file('acq1'),
      '--out',
      file('y'),
      '--tubes',
      '1,2,3:50',
      '--concentrations',
      '50,100',
    );
    expect(both.stderr).toMatch(/not both/);
  });
});
