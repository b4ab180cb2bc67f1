// Studies for the PACS tests and the batch benchmark: small phantom heads as sodium MR studies, with the series a
// real archive also holds beside them (a 1H series, someone else's DERIVED sodium series), written as DICOM files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dcmjs from 'dcmjs';
import { createVolume } from '../../src/core/volume';
import { newUid, writeDicomSeries, writeDicomSeriesFiles } from '../../src/io';
import { generateSubject, resolvePhantomParams } from '../../src/phantom';

export interface GeneratedStudy {
  studyInstanceUid: string;
  /** The ORIGINAL 23Na series: the one a worker must denoise. */
  sodiumSeriesUid: string;
  /** Series a worker must leave alone: 1H, and a DERIVED sodium series made elsewhere. */
  otherSeriesUids: string[];
  protonSeriesUid?: string;
  vendorDerivedSeriesUid?: string;
  /** Every file of the study. */
  files: string[];
}

/** Rewrites Part-10 files in place with some attributes changed (for series our writer does not make). */
function patchFiles(files: readonly string[], changes: Record<string, unknown>): void {
  for (const file of files) {
    const buf = fs.readFileSync(file);
    const dict = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    Object.assign(ds, changes);
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    fs.writeFileSync(file, new Uint8Array(dict.write()));
  }
}

/**
 * `count` studies under `dir`: each a phantom head (matrix³, seed 1) as an ORIGINAL 23Na series; every second study
 * also holds a 1H series, every fifth a DERIVED sodium series made by someone else.
 */
export async function writeStudies(dir: string, count: number, matrix = 24, firstIndex = 0): Promise<GeneratedStudy[]> {
  const params = resolvePhantomParams({ subjects: firstIndex + count, matrix, voxelSizeMm: Math.ceil(240 / matrix) });
  const studies: GeneratedStudy[] = [];
  for (let i = firstIndex; i < firstIndex + count; i++) {
    const subject = generateSubject(params, i);
    const studyInstanceUid = newUid();
    const patientId = `NA-BATCH-${String(i + 1).padStart(3, '0')}`;
    const base = { studyInstanceUID: studyInstanceUid, patientId, patientName: `Batch^${i + 1}` };
    const studyDir = path.join(dir, `study-${i + 1}`);
    const sodiumSeriesUid = newUid();
    const files = await writeDicomSeriesFiles(path.join(studyDir, 'na'), subject.acquisitions[0], {
      ...base,
      seriesInstanceUID: sodiumSeriesUid,
      seriesNumber: 1,
      seriesDescription: '23Na 3D radial',
    });
    const otherSeriesUids: string[] = [];
    let protonSeriesUid: string | undefined;
    let vendorDerivedSeriesUid: string | undefined;
    if (i % 2 === 1) {
      const protonUid = newUid();
      const proton = createVolume({
        dims: [16, 16, 8],
        spacing: [1, 1, 2],
        data: Float32Array.from({ length: 16 * 16 * 8 }, (_, k) => 100 + ((k * 37) % 200)),
      });
      const protonFiles = await writeDicomSeriesFiles(path.join(studyDir, 'h1'), proton, {
        ...base,
        seriesInstanceUID: protonUid,
        seriesNumber: 2,
        seriesDescription: 'T1 MPRAGE',
      });
      patchFiles(protonFiles, { ImagedNucleus: '1H', ImagingFrequency: '127.74' });
      otherSeriesUids.push(protonUid);
      protonSeriesUid = protonUid;
      files.push(...protonFiles);
    }
    if (i % 5 === 2) {
      const derivedUid = newUid();
      const derivedDir = path.join(studyDir, 'derived');
      fs.mkdirSync(derivedDir, { recursive: true });
      const header = {
        ...base,
        StudyInstanceUID: studyInstanceUid,
        PatientID: patientId,
        SeriesNumber: 1,
        ImagedNucleus: '23Na',
      };
      const derived = writeDicomSeries(subject.acquisitions[1], {
        seriesInstanceUID: derivedUid,
        derivedFrom: {
          seriesInstanceUID: sodiumSeriesUid,
          sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
          sopInstanceUIDs: [],
          header,
        },
        derivation: { method: 'vendor filter' },
        seriesDescription: '23Na filtered (vendor)',
      });
      derived.forEach((bytes, k) => {
        const file = path.join(derivedDir, `IM${String(k + 1).padStart(5, '0')}.dcm`);
        fs.writeFileSync(file, new Uint8Array(bytes));
        files.push(file);
      });
      otherSeriesUids.push(derivedUid);
      vendorDerivedSeriesUid = derivedUid;
    }
    studies.push({
      studyInstanceUid,
      sodiumSeriesUid,
      otherSeriesUids,
      protonSeriesUid,
      vendorDerivedSeriesUid,
      files,
    });
  }
  return studies;
}
