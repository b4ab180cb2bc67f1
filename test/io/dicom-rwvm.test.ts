// A concentration map written as DICOM: Real World Value Mapping (0040,9096) in UCUM mmol/L with the Modality LUT's
// line, valid under dciodvfy (dicom3tools) and dcmtk's dcmdump, and read back by dcmjs. Runtime ≈ 2 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as dcmjs from 'dcmjs';
import { createVolume } from '../../src/core/volume';
import { getItems, getNumber, UNITS_MILLIMOLAR, type DicomDataset } from '../../src/io/dicom';
import { readDicomFolder, writeDicomSeriesFiles } from '../../src/io/dicom/node-files';

function run(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.error) throw new Error(`${cmd} could not run (install dicom3tools and dcmtk): ${res.error.message}`);
  return `${res.stdout}${res.stderr}`;
}

describe('Real World Value Mapping on a mM series', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'rwvm-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps stored values to mmol/L exactly as the rescale does; dciodvfy finds no error; dcmjs reads it back', async () => {
    // Negative values (air below the calibration's intercept) make the pixel data signed: SS first/last values.
    const data = Float32Array.from({ length: 12 * 10 * 3 }, (_, i) => -8 + (i % 150));
    const tsc = createVolume({ dims: [12, 10, 3], spacing: [4, 4, 4], data });
    const files = await writeDicomSeriesFiles(path.join(dir, 'tsc'), tsc, {
      seriesDescription: '23Na (Na mM)',
      derivation: { method: 'Na concentration (mM)', parameters: { slope: 4.3, intercept: 38 } },
      realWorldValue: { label: 'TSC', explanation: 'Tissue sodium concentration (mM)', units: UNITS_MILLIMOLAR },
      windowCenter: 75,
      windowWidth: 150,
    });
    for (const file of files) {
      const report = run('dciodvfy', [file]);
      expect(report).toMatch(/MRImage/);
      expect(report.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    }
    expect(run('dcmdump', [files[0]])).toMatch(/\(0040,9096\) SQ/);

    const bytes = readFileSync(files[0]);
    const dict = dcmjs.data.DicomMessage.readFile(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    );
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as DicomDataset;
    const [item] = getItems(ds, 'RealWorldValueMappingSequence');
    expect(item.LUTLabel).toBe('TSC');
    const [units] = getItems(item, 'MeasurementUnitsCodeSequence');
    expect([units.CodeValue, units.CodingSchemeDesignator]).toEqual(['mmol/L', 'UCUM']);
    expect(ds.PixelRepresentation).toBe(1);
    expect([item.RealWorldValueFirstValueMapped, item.RealWorldValueLastValueMapped]).toEqual([-32768, 32767]);
    expect(getNumber(item, 'RealWorldValueSlope')).toBe(getNumber(ds, 'RescaleSlope'));
    expect(getNumber(item, 'RealWorldValueIntercept')).toBe(getNumber(ds, 'RescaleIntercept'));
    // Through the mapping, stored values give the written mM within the quantisation step.
    const [read] = await readDicomFolder(path.join(dir, 'tsc'));
    let worst = 0;
    read.volume.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - data[i]))));
    expect(worst).toBeLessThanOrEqual(getNumber(item, 'RealWorldValueSlope')!);
    expect(() =>
      writeDicomSeriesFiles(path.join(dir, 'bad'), tsc, {
        realWorldValue: { label: 'a label that is far too long', explanation: '', units: UNITS_MILLIMOLAR },
      }),
    ).rejects.toThrow('1–16 characters');
  });
});
