// OHIF's dicomjson manifest: study → series → instances (naturalized metadata + URL), built from DICOM files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dcmjs from 'dcmjs';

export interface DicomJsonInstance {
  metadata: Record<string, unknown>;
  /** `dicomweb:<absolute URL>` when served; stored relative to the manifest's folder on disk. */
  url: string;
}

export interface DicomJsonSeries {
  SeriesInstanceUID: string;
  SeriesDescription?: string;
  SeriesNumber?: number;
  Modality?: string;
  instances: DicomJsonInstance[];
}

export interface DicomJsonStudy {
  StudyInstanceUID: string;
  StudyDescription?: string;
  StudyDate?: string;
  StudyTime?: string;
  PatientName?: string;
  PatientID?: string;
  AccessionNumber?: string;
  Modalities: string;
  NumInstances: number;
  series: DicomJsonSeries[];
}

export interface DicomJsonManifest {
  studies: DicomJsonStudy[];
}

/** Tags that are bulk data or file-meta: not part of the per-instance metadata OHIF needs. */
const DROP = new Set(['PixelData', '_meta', '_vrMap', 'FloatPixelData', 'DoubleFloatPixelData']);

function personName(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return personName(v[0]);
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic: unknown }).Alphabetic);
  return String(v);
}

/** Naturalized metadata of one DICOM file, without pixel data; PatientName flattened the way dicomjson expects. */
export function instanceMetadata(buffer: ArrayBuffer): Record<string, unknown> {
  const dict = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: false });
  const nat = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(nat)) if (!DROP.has(k)) out[k] = v;
  if (out.PatientName !== undefined) out.PatientName = personName(out.PatientName);
  for (const key of ['SOPInstanceUID', 'SeriesInstanceUID', 'StudyInstanceUID']) {
    if (typeof out[key] !== 'string' || !out[key]) throw new Error(`DICOM file has no ${key}`);
  }
  return out;
}

/** The value under `key`, made by `make` and stored on first use. */
function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/**
 * Builds the manifest from DICOM files below `root`; instance urls are paths relative to `root`
 * (the server turns them into absolute `dicomweb:` URLs per request, so the manifest works on any host/port).
 */
export function buildManifest(root: string, files: readonly string[]): DicomJsonManifest {
  const studies = new Map<string, DicomJsonStudy>();
  const series = new Map<string, DicomJsonSeries>();
  for (const file of files) {
    const b = fs.readFileSync(file);
    const md = instanceMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const studyUid = md.StudyInstanceUID as string;
    const study = getOrAdd(studies, studyUid, () => ({
      StudyInstanceUID: studyUid,
      StudyDescription: md.StudyDescription as string | undefined,
      StudyDate: md.StudyDate as string | undefined,
      StudyTime: md.StudyTime as string | undefined,
      PatientName: md.PatientName as string | undefined,
      PatientID: md.PatientID as string | undefined,
      AccessionNumber: (md.AccessionNumber as string | undefined) ?? '',
      Modalities: '',
      NumInstances: 0,
      series: [],
    }));
    const seriesUid = md.SeriesInstanceUID as string;
    const s = getOrAdd(series, seriesUid, () => {
      const added: DicomJsonSeries = {
        SeriesInstanceUID: seriesUid,
        SeriesDescription: md.SeriesDescription as string | undefined,
        SeriesNumber: md.SeriesNumber === undefined ? undefined : Number(md.SeriesNumber),
        Modality: md.Modality as string | undefined,
        instances: [],
      };
      study.series.push(added);
      return added;
    });
    s.instances.push({ metadata: md, url: path.relative(root, file).split(path.sep).join('/') });
    study.NumInstances++;
  }
  for (const study of studies.values()) {
    study.Modalities = [...new Set(study.series.map((s) => s.Modality).filter(Boolean))].join('\\');
    study.series.sort((a, b) => (a.SeriesNumber ?? 0) - (b.SeriesNumber ?? 0));
    for (const s of study.series)
      s.instances.sort((a, b) => Number(a.metadata.InstanceNumber ?? 0) - Number(b.metadata.InstanceNumber ?? 0));
  }
  return { studies: [...studies.values()] };
}

/** The manifest as served: each relative url becomes `dicomweb:<origin>/demo/<url>` (the image loader needs absolute URLs). */
export function manifestWithOrigin(m: DicomJsonManifest, origin: string, mount = '/demo/'): DicomJsonManifest {
  return {
    studies: m.studies.map((st) => ({
      ...st,
      series: st.series.map((se) => ({
        ...se,
        instances: se.instances.map((i) => ({
          ...i,
          url: /^(dicomweb:|https?:)/.test(i.url) ? i.url : `dicomweb:${origin}${mount}${i.url}`,
        })),
      })),
    })),
  };
}

/** All .dcm files under a folder, sorted (deterministic manifests). */
export function listDicomFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.dcm$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
