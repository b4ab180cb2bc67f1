// NIfTI bytes ⇄ Volume without any gzip code (the browser's codec adds fflate, Node's file helpers zlib): headers,
// geometry, voxels, the declared-size check.
import { createVolume, voxelCount, type Volume } from '../core/volume';
import {
  NIFTI_DATATYPE,
  buildNifti1Header,
  datatypeName,
  detectNifti,
  parseNiftiHeader,
  type NiftiHeader,
} from './nifti-header';
import {
  affineToGeometry,
  qformToAffine,
  volumeToAffine,
  volumeToQform,
  type Affine,
  type VolumeGeometry,
} from './nifti-geometry';
import { isInteger } from '../core/math';

export type NiftiWriteDatatype = 'float32' | 'uint8' | 'int16';

export interface NiftiWriteOptions {
  /** Stored voxel type; uint8 and int16 need integer values in range (masks, labels). Default float32. */
  datatype?: NiftiWriteDatatype;
  /** Header description (at most 79 characters kept). */
  description?: string;
  /** gzip level 0–9 (default 6). */
  compressionLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/** 1 GiB: a 512³ float64 or 1024×1024×256 float32 volume; far above any sodium acquisition. */
export const DEFAULT_MAX_NIFTI_BYTES = 2 ** 30;

/** A byte count for messages, e.g. "3.0 GiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

/** Bytes a header says the file needs (header, extensions and voxels); undefined when the header is unusable. */
function declaredNiftiBytes(h: NiftiHeader): { bytes: number; what: string } | undefined {
  const ndim = h.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) return undefined;
  const dims = h.dim.slice(1, ndim + 1).map((d) => Math.max(d, 1));
  const bytesPer = Math.max(1, Math.ceil(h.bitpix / 8));
  const bytes = Math.max(0, Math.floor(h.voxOffset)) + dims.reduce((p, d) => p * d, 1) * bytesPer;
  return { bytes, what: `${dims.join('×')} voxels of ${datatypeName(h.datatype)}` };
}

function niftiHeaderOrUndefined(bytes: Uint8Array): NiftiHeader | undefined {
  try {
    return detectNifti(bytes) ? parseNiftiHeader(bytes) : undefined;
  } catch {
    return undefined; // the full parse reports what is wrong
  }
}

/**
 * The bytes (header, extensions, voxels) the header at the start of `bytes` declares, or undefined when it is not a
 * usable NIfTI header (the full parse then says what is wrong); throws when they are over `maxBytes`.
 */
export function declaredSize(bytes: Uint8Array, maxBytes: number): number | undefined {
  const header = niftiHeaderOrUndefined(bytes);
  const declared = header && declaredNiftiBytes(header);
  if (declared && declared.bytes > maxBytes) {
    throw new Error(
      `NIfTI image of ${declared.what} needs ${formatBytes(declared.bytes)} once decompressed, over the ${formatBytes(maxBytes)} limit`,
    );
  }
  return declared?.bytes;
}

/** NIfTI transform codes: 1 = scanner-based anatomical coordinates. */
const XFORM_SCANNER_ANAT = 1;
const UNITS_MM = 2;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Which transform a NIfTI header's geometry comes from (sform preferred when set, as nifti1.h recommends). */
export function niftiGeometry(h: NiftiHeader): VolumeGeometry & { source: 'sform' | 'qform' | 'pixdim' } {
  if (h.sformCode > 0) return { ...affineToGeometry(h.srow, 'sform'), source: 'sform' };
  for (let axis = 1; axis <= 3; axis++) {
    if (!(h.pixdim[axis] !== 0 && Number.isFinite(h.pixdim[axis]))) {
      throw new Error(`NIfTI pixdim[${axis}] is ${h.pixdim[axis]}: voxel size must be non-zero`);
    }
  }
  // Negative pixdims are not meaningful sizes; nifti1.h's method 2 uses them as given, so take their magnitude.
  const pixdim = h.pixdim.map((p, i) => (i >= 1 && i <= 3 ? Math.abs(p) : p));
  if (h.qformCode > 0)
    return { ...affineToGeometry(qformToAffine(h.quatern, h.qoffset, pixdim), 'qform'), source: 'qform' };
  // Method 1 (no transform): voxel sizes only, axes along RAS as nifti1.h's fallback describes.
  const affine: Affine = [
    [pixdim[1], 0, 0, 0],
    [0, pixdim[2], 0, 0],
    [0, 0, pixdim[3], 0],
  ];
  return { ...affineToGeometry(affine, 'pixdim'), source: 'pixdim' };
}

function readVoxels(h: NiftiHeader, bytes: Uint8Array, n: number): Float32Array {
  const size: Record<number, number> = { 2: 1, 256: 1, 4: 2, 512: 2, 8: 4, 768: 4, 16: 4, 64: 8, 1024: 8, 1280: 8 };
  const bytesPer = size[h.datatype];
  if (!bytesPer)
    throw new Error(`NIfTI datatype ${datatypeName(h.datatype)} is not supported (need a real scalar type)`);
  const offset = Math.floor(h.voxOffset);
  const minOffset = h.version === 1 ? 348 : 540;
  if (!(offset >= minOffset)) throw new Error(`NIfTI vox_offset ${h.voxOffset} points inside the header`);
  if (offset + n * bytesPer > bytes.byteLength) {
    throw new Error(
      `NIfTI file is truncated: ${n} voxels of ${bytesPer} bytes from offset ${offset} need ` +
        `${offset + n * bytesPer} bytes, the file has ${bytes.byteLength}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * bytesPer);
  const le = h.littleEndian;
  const get: (i: number) => number = {
    2: (i: number) => view.getUint8(i),
    256: (i: number) => view.getInt8(i),
    4: (i: number) => view.getInt16(2 * i, le),
    512: (i: number) => view.getUint16(2 * i, le),
    8: (i: number) => view.getInt32(4 * i, le),
    768: (i: number) => view.getUint32(4 * i, le),
    16: (i: number) => view.getFloat32(4 * i, le),
    64: (i: number) => view.getFloat64(8 * i, le),
    1024: (i: number) => Number(view.getBigInt64(8 * i, le)),
    1280: (i: number) => Number(view.getBigUint64(8 * i, le)),
  }[h.datatype]!;
  const out = new Float32Array(n);
  if (h.datatype === NIFTI_DATATYPE.float32 && le && (bytes.byteOffset + offset) % 4 === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset, n)); // fast path: native layout
  } else {
    for (let i = 0; i < n; i++) out[i] = get(i);
  }
  // nifti1.h: scaling applies when scl_slope is non-zero (and finite).
  const slope = h.sclSlope !== 0 && Number.isFinite(h.sclSlope) ? h.sclSlope : 1;
  const inter = h.sclSlope !== 0 && Number.isFinite(h.sclInter) ? h.sclInter : 0;
  if (slope !== 1 || inter !== 0) for (let i = 0; i < n; i++) out[i] = out[i] * slope + inter;
  return out;
}

/** Reads a 3D NIfTI-1/2 image (.nii or gzipped .nii.gz) into a Float32 Volume in DICOM LPS geometry. */
/**
 * The Volume in uncompressed NIfTI-1/2 bytes (a .nii, or a .nii.gz already inflated), in DICOM LPS geometry; images
 * whose header declares more than `maxBytes` are refused.
 */
export function decodeNifti(bytes: Uint8Array, maxBytes = DEFAULT_MAX_NIFTI_BYTES): Volume {
  declaredSize(bytes, maxBytes);
  const h = parseNiftiHeader(bytes);
  const ndim = h.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) throw new Error(`NIfTI dim[0] is ${ndim}; it must be 1–7`);
  const dims = [1, 2, 3].map((a) => (a <= ndim ? h.dim[a] : 1));
  if (dims.some((d) => !(d >= 1))) throw new Error(`NIfTI dimensions [${dims.join(', ')}] must be positive`);
  const extra = h.dim.slice(4, ndim + 1).reduce((p, d) => p * Math.max(d, 1), 1);
  if (extra > 1) {
    throw new Error(
      `NIfTI image is ${ndim}D with ${extra} volumes (dim ${h.dim.slice(1, ndim + 1).join('×')}); ` +
        'only a single 3D volume is supported',
    );
  }
  const geometry = niftiGeometry(h);
  const data = readVoxels(h, bytes, voxelCount(dims));
  return createVolume({ dims: dims as Volume['dims'], ...geometry, data });
}

function encodeData(volume: Volume, datatype: NiftiWriteDatatype): { code: number; bitpix: number; bytes: Uint8Array } {
  const n = volume.data.length;
  if (datatype === 'float32') {
    const out = new Float32Array(n);
    out.set(volume.data);
    return { code: NIFTI_DATATYPE.float32, bitpix: 32, bytes: new Uint8Array(out.buffer) };
  }
  const [min, max, Typed] =
    datatype === 'uint8' ? ([0, 255, Uint8Array] as const) : ([-32768, 32767, Int16Array] as const);
  const out = new Typed(n);
  for (let i = 0; i < n; i++) {
    const v = volume.data[i];
    if (!isInteger(v) || v < min || v > max) {
      throw new Error(
        `cannot store voxel ${i} value ${v} as ${datatype} (needs integers ${min}..${max}); write float32`,
      );
    }
    out[i] = v;
  }
  const code = datatype === 'uint8' ? NIFTI_DATATYPE.uint8 : NIFTI_DATATYPE.int16;
  return { code, bitpix: datatype === 'uint8' ? 8 : 16, bytes: new Uint8Array(out.buffer) };
}

/** The uncompressed NIfTI-1 single file (.nii) bytes of a Volume: header, 4 extension bytes, voxels. */
export function encodeNifti(volume: Volume, opts: Omit<NiftiWriteOptions, 'compressionLevel'> = {}): Uint8Array {
  const { code, bitpix, bytes: data } = encodeData(volume, opts.datatype ?? 'float32');
  const qform = volumeToQform(volume);
  const header = buildNifti1Header({
    dim: [3, volume.dims[0], volume.dims[1], volume.dims[2], 1, 1, 1, 1],
    pixdim: [qform.qfac, volume.spacing[0], volume.spacing[1], volume.spacing[2], 1, 1, 1, 1],
    datatype: code,
    bitpix,
    voxOffset: 352,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: UNITS_MM,
    descrip: opts.description ?? 'sodium-denoise',
    // A sheared direction has no exact qform: leave it unset then, so readers fall back on the exact sform.
    qformCode: qform.exact ? XFORM_SCANNER_ANAT : 0,
    sformCode: XFORM_SCANNER_ANAT,
    quatern: qform.quatern,
    qoffset: qform.qoffset,
    srow: volumeToAffine(volume),
  });
  const file = new Uint8Array(header.length + data.length);
  file.set(header, 0);
  file.set(data, header.length);
  return file;
}
