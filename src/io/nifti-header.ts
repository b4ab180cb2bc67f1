// NIfTI-1 / NIfTI-2 header fields: parsing both (either byte order) and building a NIfTI-1 header for writing.
// Written by hand rather than through nifti-reader-js because that package is ESM-only and cannot be required from
// the CommonJS build that jest and tsx use here; the format is small and fully specified (nifti1.h, nifti2.h).

export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7]: dim[0] is the number of dimensions used. */
  dim: number[];
  /** pixdim[0..7]: pixdim[0] is qfac. */
  pixdim: number[];
  datatype: number;
  bitpix: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z: RAS+ world = srow · [i, j, k, 1]. */
  srow: [number[], number[], number[]];
  xyztUnits: number;
  descrip: string;
}

export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;

/** NIfTI datatype codes this module reads (and, for three of them, writes). */
export const NIFTI_DATATYPE = {
  uint8: 2,
  int16: 4,
  int32: 8,
  float32: 16,
  float64: 64,
  int8: 256,
  uint16: 512,
  uint32: 768,
  int64: 1024,
  uint64: 1280,
} as const;

const DATATYPE_NAMES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'RGB24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

export function datatypeName(code: number): string {
  const known = Object.entries(NIFTI_DATATYPE).find(([, c]) => c === code);
  return known ? known[0] : (DATATYPE_NAMES[code] ?? `unknown (${code})`);
}

function readString(bytes: Uint8Array, offset: number, length: number): string {
  const slice = bytes.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return new TextDecoder('latin1').decode(end >= 0 ? slice.subarray(0, end) : slice);
}

/** Which NIfTI version these (uncompressed) bytes start with, or null when they are not a NIfTI single file. */
export function detectNifti(bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } | null {
  if (bytes.byteLength < NIFTI1_HEADER_SIZE) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_HEADER_SIZE && readString(bytes, 344, 4) === 'n+1') return { version: 1, littleEndian };
    if (size === NIFTI1_HEADER_SIZE && readString(bytes, 344, 4) === 'ni1') return { version: 1, littleEndian };
    if (size === NIFTI2_HEADER_SIZE && bytes.byteLength >= NIFTI2_HEADER_SIZE && readString(bytes, 4, 3) === 'n+2') {
      return { version: 2, littleEndian };
    }
  }
  return null;
}

/** Parses the header of an uncompressed NIfTI-1 or NIfTI-2 single file (.nii). */
export function parseNiftiHeader(bytes: Uint8Array): NiftiHeader {
  const kind = detectNifti(bytes);
  if (!kind) throw new Error('not a NIfTI file (no NIfTI-1 "n+1" or NIfTI-2 "n+2" header found)');
  if (bytes.byteLength >= 348 && readString(bytes, 344, 4) === 'ni1') {
    throw new Error('this is the header of a NIfTI .hdr/.img pair; only single-file .nii / .nii.gz is supported');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = kind.littleEndian;
  if (kind.version === 1) {
    const i16 = (o: number) => view.getInt16(o, le);
    const f32 = (o: number) => view.getFloat32(o, le);
    return {
      version: 1,
      littleEndian: le,
      dim: Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i)),
      datatype: i16(70),
      bitpix: i16(72),
      pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
      voxOffset: f32(108),
      sclSlope: f32(112),
      sclInter: f32(116),
      xyztUnits: view.getUint8(123),
      descrip: readString(bytes, 148, 80),
      qformCode: i16(252),
      sformCode: i16(254),
      quatern: [f32(256), f32(260), f32(264)],
      qoffset: [f32(268), f32(272), f32(276)],
      srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as NiftiHeader['srow'],
    };
  }
  const i64 = (o: number) => Number(view.getBigInt64(o, le));
  const f64 = (o: number) => view.getFloat64(o, le);
  const i32 = (o: number) => view.getInt32(o, le);
  return {
    version: 2,
    littleEndian: le,
    datatype: view.getInt16(12, le),
    bitpix: view.getInt16(14, le),
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    descrip: readString(bytes, 240, 80),
    qformCode: i32(344),
    sformCode: i32(348),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))) as NiftiHeader['srow'],
    xyztUnits: i32(500),
  };
}

/** Serialises a NIfTI-1 single-file header (348 bytes + 4 empty extension bytes), little-endian. */
export function buildNifti1Header(h: Omit<NiftiHeader, 'version' | 'littleEndian'>): Uint8Array {
  const bytes = new Uint8Array(352);
  const view = new DataView(bytes.buffer);
  const le = true;
  view.setInt32(0, NIFTI1_HEADER_SIZE, le);
  view.setUint8(38, 'r'.charCodeAt(0)); // "regular", as the Analyze legacy field expects
  h.dim.forEach((d, i) => view.setInt16(40 + 2 * i, d, le));
  view.setInt16(70, h.datatype, le);
  view.setInt16(72, h.bitpix, le);
  h.pixdim.forEach((p, i) => view.setFloat32(76 + 4 * i, p, le));
  view.setFloat32(108, h.voxOffset, le);
  view.setFloat32(112, h.sclSlope, le);
  view.setFloat32(116, h.sclInter, le);
  view.setUint8(123, h.xyztUnits);
  new TextEncoder().encodeInto(h.descrip.slice(0, 79), bytes.subarray(148, 228));
  view.setInt16(252, h.qformCode, le);
  view.setInt16(254, h.sformCode, le);
  h.quatern.forEach((q, i) => view.setFloat32(256 + 4 * i, q, le));
  h.qoffset.forEach((q, i) => view.setFloat32(268 + 4 * i, q, le));
  h.srow.forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v, le)));
  bytes.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  return bytes;
}
