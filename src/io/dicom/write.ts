// Browser-safe DICOM writer: a Volume → one MR Image Storage Part-10 file per slice (Explicit VR Little Endian).
import * as dcmjs from 'dcmjs';
import { voxelToPatient, type Volume } from '../../core/volume';
import { cross, dot, normalize } from './geometry';
import { chooseRescale, quantize, type Rescale } from './quantize';
import { EXPLICIT_VR_LITTLE_ENDIAN } from './transfer-syntax';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, isValidUid, newUid } from './uid';
import { formatDA, formatDS, formatTM, getNumber, getString, type DicomDataset } from './values';

export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
/** Larmor frequency of 23Na per tesla (MHz/T). */
export const SODIUM_MHZ_PER_TESLA = 11.262;

/** A coded concept (Code Sequence Macro). */
export interface DicomCode {
  value: string;
  scheme: string;
  meaning: string;
}

/**
 * DICOM CID 7203 "Image Derivation": DCM 113087 "Smoothing" is the closest standard concept for noise reduction
 * (NLM and the denoising autoencoder both suppress noise by local averaging). Callers may pass another code.
 */
export const DERIVATION_SMOOTHING: DicomCode = { value: '113087', scheme: 'DCM', meaning: 'Smoothing' };
/** CID 7202 "Source Image Purpose of Reference". */
const PURPOSE_IMAGE_PROCESSING: DicomCode = {
  value: '121322',
  scheme: 'DCM',
  meaning: 'Source image for image processing operation',
};

/** What a derived series needs from its source; a DicomSeries satisfies it. */
export interface DicomDerivationSource {
  seriesInstanceUID: string;
  sopClassUID: string;
  /** Per source slice, in the source volume's slice order. */
  sopInstanceUIDs: readonly string[];
  /** Per source slice, 1-based frame numbers when the source is multi-frame. */
  frameNumbers?: readonly number[];
  /** Naturalized header of a source instance: patient, study, frame of reference and acquisition attributes. */
  header: DicomDataset;
}

export interface DicomDerivation {
  /** Short method name for SeriesDescription, e.g. 'DA denoised' or 'NLM σ=12'. */
  method: string;
  /** Method parameters recorded in DerivationDescription (e.g. model id, noise σ). */
  parameters?: Readonly<Record<string, string | number | boolean>>;
  /** Defaults to DERIVATION_SMOOTHING. */
  code?: DicomCode;
}

/** UCUM millimole per litre: the unit of tissue sodium concentration (mM). */
export const UNITS_MILLIMOLAR: DicomCode = { value: 'mmol/L', scheme: 'UCUM', meaning: 'millimole per liter' };

/**
 * Pixel values that are a physical quantity: written as the Modality LUT (Rescale Slope/Intercept, so every viewer
 * shows the quantity) and as a Real World Value Mapping item (0040,9096) with the same line, a label and coded units.
 */
export interface RealWorldValue {
  /** LUTLabel (≤ 16 characters), e.g. 'TSC'. */
  label: string;
  /** LUTExplanation (≤ 64 characters), e.g. 'Tissue sodium concentration, 2-tube calibration'. */
  explanation: string;
  units: DicomCode;
}

export interface DicomWriteOptions {
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: 'M' | 'F' | 'O' | '';
  studyInstanceUID?: string;
  /** DA, YYYYMMDD. */
  studyDate?: string;
  /** TM, HHMMSS. */
  studyTime?: string;
  studyId?: string;
  accessionNumber?: string;
  studyDescription?: string;
  seriesInstanceUID?: string;
  /** SOPInstanceUID of the instance with this 1-based InstanceNumber (default: a new random UID each); a
   * deterministic one makes storing the same series twice a no-op on the PACS. */
  sopInstanceUid?: (instanceNumber: number) => string;
  seriesNumber?: number;
  seriesDescription?: string;
  frameOfReferenceUID?: string;
  /** Makes a DERIVED\SECONDARY series in the source's study, patient and frame of reference, referencing its images. */
  derivedFrom?: DicomDerivationSource;
  derivation?: DicomDerivation;
  /** Free text on every image, e.g. 'Research use only — trained on synthetic data'. */
  imageComments?: string;
  /** Tesla; default 3 (or the source's). ImagingFrequency follows as 11.262 MHz/T × B0. */
  magneticFieldStrength?: number;
  /** ms */
  repetitionTime?: number;
  /** ms */
  echoTime?: number;
  /** degrees */
  flipAngle?: number;
  manufacturer?: string;
  institutionName?: string;
  /** Real-world units; default from the data range. */
  windowCenter?: number;
  windowWidth?: number;
  /** The voxel values are this quantity (e.g. sodium concentration in mmol/L): adds the Real World Value Mapping. */
  realWorldValue?: RealWorldValue;
  /** Creation time stamp (default: now), for reproducible output. */
  date?: Date;
}

type DirectionRows = { row: number[]; col: number[] };

/** Checks the slice axis is perpendicular to the image plane (DICOM slices cannot shear) and returns the in-plane cosines. */
function planeCosines(volume: Volume): DirectionRows {
  const d = volume.direction;
  const row = normalize(d.slice(0, 3));
  const col = normalize(d.slice(3, 6));
  const slice = normalize(d.slice(6, 9));
  if (Math.abs(dot(row, col)) > 1e-3 || Math.abs(Math.abs(dot(slice, cross(row, col))) - 1) > 1e-3) {
    throw new Error(
      'Cannot write this volume as DICOM slices: its slice axis is not perpendicular to the image plane ' +
        `(direction [${d.map((v) => Number(v.toFixed(4))).join(', ')}])`,
    );
  }
  return { row, col };
}

function checkUid(name: string, uid: string | undefined): string | undefined {
  if (uid !== undefined && !isValidUid(uid)) throw new Error(`${name} "${uid}" is not a valid DICOM UID`);
  return uid;
}

const code = (c: DicomCode) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });
const truncate = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max - 1) + '…');

/** Writes `volume` as one MR Image Storage Part-10 file per slice. The volume is only read. */
export function writeDicomSeries(volume: Volume, opts: DicomWriteOptions = {}): ArrayBuffer[] {
  const [nx, ny, nz] = volume.dims;
  if (nx > 65535 || ny > 65535) throw new Error(`Slices of ${nx}×${ny} pixels exceed DICOM's 65535 rows/columns`);
  const { row, col } = planeCosines(volume);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < volume.data.length; i++) {
    const v = volume.data[i];
    if (!Number.isFinite(v))
      throw new Error(`Cannot write a volume with non-finite values as DICOM (voxel ${i} is ${v})`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const rescale = chooseRescale(min, max);
  const source = opts.derivedFrom;
  const src = source?.header ?? {};
  const now = opts.date ?? new Date();
  const date = formatDA(now);
  const time = formatTM(now);
  const derived = source !== undefined || opts.derivation !== undefined;
  const method = opts.derivation?.method ?? (derived ? 'derived' : undefined);

  const b0 = opts.magneticFieldStrength ?? getNumber(src, 'MagneticFieldStrength') ?? 3;
  const seriesNumber = opts.seriesNumber ?? (source ? (getNumber(src, 'SeriesNumber') ?? 0) + 100 : 1);
  const sourceDescription = getString(src, 'SeriesDescription');
  const seriesDescription =
    opts.seriesDescription ?? (derived ? `${sourceDescription ?? '23Na'} (${method})` : '23Na 3D radial');
  const seriesUid = checkUid('SeriesInstanceUID', opts.seriesInstanceUID) ?? newUid();
  const studyUid =
    checkUid('StudyInstanceUID', opts.studyInstanceUID) ?? getString(src, 'StudyInstanceUID') ?? newUid();
  const forUid =
    checkUid('FrameOfReferenceUID', opts.frameOfReferenceUID) ?? getString(src, 'FrameOfReferenceUID') ?? newUid();
  const windowCenter = opts.windowCenter ?? (min + max) / 2;
  // A constant image gets width 1; a window narrower than 1 is only valid with VOILUTFunction LINEAR_EXACT.
  const windowWidth = opts.windowWidth ?? (max > min ? max - min : 1);
  if (!(windowWidth > 0)) throw new Error(`WindowWidth must be positive, got ${windowWidth}`);
  const parameters = Object.entries(opts.derivation?.parameters ?? {}).map(([k, v]) => `${k}=${v}`);
  const derivationDescription = derived
    ? truncate([method, ...parameters].join('; ') + (source ? `; source series ${source.seriesInstanceUID}` : ''), 1024)
    : undefined;
  const perSliceSources = source !== undefined && source.sopInstanceUIDs.length === nz;

  const common: DicomDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: MR_IMAGE_STORAGE,
    // Patient
    PatientName: opts.patientName ?? getString(src, 'PatientName') ?? 'Anonymous^Patient',
    PatientID: opts.patientId ?? getString(src, 'PatientID') ?? `NA-${seriesUid.slice(-8)}`,
    PatientBirthDate: opts.patientBirthDate ?? getString(src, 'PatientBirthDate') ?? '',
    PatientSex: opts.patientSex ?? getString(src, 'PatientSex') ?? '',
    // General Study
    StudyInstanceUID: studyUid,
    StudyDate: opts.studyDate ?? getString(src, 'StudyDate') ?? date,
    StudyTime: opts.studyTime ?? getString(src, 'StudyTime') ?? time,
    ReferringPhysicianName: getString(src, 'ReferringPhysicianName') ?? '',
    StudyID: opts.studyId ?? getString(src, 'StudyID') ?? '1',
    AccessionNumber: opts.accessionNumber ?? getString(src, 'AccessionNumber') ?? '',
    StudyDescription: opts.studyDescription ?? getString(src, 'StudyDescription') ?? '23Na MRI',
    // General Series
    Modality: 'MR',
    SeriesInstanceUID: seriesUid,
    SeriesNumber: seriesNumber,
    SeriesDescription: truncate(seriesDescription, 64),
    SeriesDate: date,
    SeriesTime: time,
    PatientPosition: getString(src, 'PatientPosition') ?? 'HFS',
    BodyPartExamined: getString(src, 'BodyPartExamined') ?? 'HEAD',
    // Laterality is for paired body parts; the head is unpaired, so it is only copied from a source that has it.
    ...(getString(src, 'Laterality') ? { Laterality: getString(src, 'Laterality') } : {}),
    // Frame of Reference
    FrameOfReferenceUID: forUid,
    PositionReferenceIndicator: getString(src, 'PositionReferenceIndicator') ?? '',
    // General Equipment
    // The equipment that made this series is this software, also for derived series.
    Manufacturer: opts.manufacturer ?? 'sodium-denoise',
    InstitutionName: opts.institutionName ?? getString(src, 'InstitutionName') ?? '',
    ManufacturerModelName: 'sodium-denoise',
    SoftwareVersions: '0.1.0',
    // General Image
    ImageType: derived ? ['DERIVED', 'SECONDARY', 'OTHER'] : ['ORIGINAL', 'PRIMARY', 'OTHER'],
    AcquisitionNumber: 1,
    ContentDate: date,
    ContentTime: time,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    ...(opts.imageComments ? { ImageComments: truncate(opts.imageComments, 10240) } : {}),
    ...(derived
      ? {
          DerivationDescription: derivationDescription,
          DerivationCodeSequence: [code(opts.derivation?.code ?? DERIVATION_SMOOTHING)],
        }
      : {}),
    // Image Plane
    PixelSpacing: [formatDS(volume.spacing[1]), formatDS(volume.spacing[0])],
    ImageOrientationPatient: [...row, ...col].map(formatDS),
    SliceThickness: formatDS(volume.spacing[2]),
    // Image Pixel
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: rescale.signed ? 1 : 0,
    RescaleIntercept: rescale.interceptDS,
    RescaleSlope: rescale.slopeDS,
    RescaleType: 'US',
    WindowCenter: formatDS(windowCenter),
    WindowWidth: formatDS(windowWidth),
    WindowCenterWidthExplanation: 'Full data range',
    ...(opts.realWorldValue
      ? { RealWorldValueMappingSequence: [realWorldValueItem(opts.realWorldValue, rescale)] }
      : {}),
    ...(windowWidth < 1 ? { VOILUTFunction: 'LINEAR_EXACT' } : {}),
    // MR Image: a 3D density-adapted radial, spoiled gradient-echo 23Na acquisition.
    ScanningSequence: getString(src, 'ScanningSequence') ?? 'GR',
    SequenceVariant: getString(src, 'SequenceVariant') ?? 'SP',
    ScanOptions: getString(src, 'ScanOptions') ?? '',
    MRAcquisitionType: '3D',
    SequenceName: getString(src, 'SequenceName') ?? 'na_dart3d',
    AngioFlag: 'N',
    RepetitionTime: formatDS(opts.repetitionTime ?? getNumber(src, 'RepetitionTime') ?? 100),
    EchoTime: formatDS(opts.echoTime ?? getNumber(src, 'EchoTime') ?? 0.3),
    EchoTrainLength: 1,
    NumberOfAverages: formatDS(getNumber(src, 'NumberOfAverages') ?? 1),
    ImagingFrequency: formatDS(Number((SODIUM_MHZ_PER_TESLA * b0).toFixed(6))),
    ImagedNucleus: getString(src, 'ImagedNucleus') ?? getString(src, 'ResonantNucleus') ?? '23Na',
    EchoNumbers: 1,
    MagneticFieldStrength: formatDS(b0),
    SpacingBetweenSlices: formatDS(volume.spacing[2]),
    FlipAngle: formatDS(opts.flipAngle ?? getNumber(src, 'FlipAngle') ?? 90),
    TransmitCoilName: getString(src, 'TransmitCoilName') ?? 'Na head',
    ReceiveCoilName: getString(src, 'ReceiveCoilName') ?? 'Na head',
    // Common Instance Reference: the source series this one was derived from.
    ...(source
      ? {
          ReferencedSeriesSequence: [
            {
              SeriesInstanceUID: source.seriesInstanceUID,
              ReferencedInstanceSequence: [...new Set(source.sopInstanceUIDs)].map((uid) => ({
                ReferencedSOPClassUID: source.sopClassUID,
                ReferencedSOPInstanceUID: uid,
              })),
            },
          ],
        }
      : {}),
    _vrMap: { PixelData: 'OW' },
  };

  const slice = new Float32Array(nx * ny);
  const files: ArrayBuffer[] = [];
  for (let k = 0; k < nz; k++) {
    slice.set(volume.data.subarray(k * nx * ny, (k + 1) * nx * ny));
    const position = voxelToPatient(volume, 0, 0, k);
    const sopInstanceUid = opts.sopInstanceUid ? checkUid('SOPInstanceUID', opts.sopInstanceUid(k + 1))! : newUid();
    const dataset: DicomDataset = {
      ...common,
      SOPInstanceUID: sopInstanceUid,
      InstanceCreationDate: date,
      InstanceCreationTime: time,
      InstanceNumber: k + 1,
      ImagePositionPatient: position.map(formatDS),
      SliceLocation: formatDS(dot(position, cross(row, col))),
      ...(perSliceSources ? { SourceImageSequence: [sourceImageItem(source, k)] } : {}),
      PixelData: [quantize(slice, rescale).buffer],
    };
    files.push(toPart10(dataset, sopInstanceUid));
  }
  return files;
}

/** One Real World Value Mapping item mapping every stored value through the rescale's line. */
function realWorldValueItem(rwv: RealWorldValue, rescale: Rescale): DicomDataset {
  if (!rwv.label || rwv.label.length > 16)
    throw new Error(`Real World Value label must be 1–16 characters, got "${rwv.label}"`);
  // First/last value mapped take the pixel data's VR (US or SS), which dcmjs needs told.
  const vr = rescale.signed ? 'SS' : 'US';
  return {
    LUTExplanation: truncate(rwv.explanation, 64),
    LUTLabel: rwv.label,
    MeasurementUnitsCodeSequence: [code(rwv.units)],
    RealWorldValueFirstValueMapped: rescale.signed ? -32768 : 0,
    RealWorldValueLastValueMapped: rescale.signed ? 32767 : 65535,
    RealWorldValueIntercept: rescale.intercept,
    RealWorldValueSlope: rescale.slope,
    _vrMap: { RealWorldValueFirstValueMapped: vr, RealWorldValueLastValueMapped: vr },
  };
}

function sourceImageItem(source: DicomDerivationSource, k: number): DicomDataset {
  const frame = source.frameNumbers?.[k];
  return {
    ReferencedSOPClassUID: source.sopClassUID,
    ReferencedSOPInstanceUID: source.sopInstanceUIDs[k],
    ...(frame !== undefined ? { ReferencedFrameNumber: frame } : {}),
    PurposeOfReferenceCodeSequence: [code(PURPOSE_IMAGE_PROCESSING)],
  };
}

/** Wraps a naturalized dataset in File Meta Information and serialises it. */
function toPart10(dataset: DicomDataset, sopInstanceUid: string): ArrayBuffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: MR_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return dict.write();
}
