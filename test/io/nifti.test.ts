// NIfTI codec: round trips of data and geometry, sform/qform precedence, datatypes and scaling, bad input.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import { crc32, deflateRawSync } from 'node:zlib';
import { createVolume, voxelToPatient, type Mat3, type Volume } from '../../src/core/volume';
import { encodeNifti, readNiftiFile, writeNiftiFile } from '../../src/io/nifti';
import { readNifti, writeNifti } from '../../src/io/nifti-codec';
import { buildNifti1Header, parseNiftiHeader, type NiftiHeader } from '../../src/io/nifti-header';
import { affineToGeometry, qformToAffine } from '../../src/io/nifti-geometry';
import { rotationDegrees } from '../helpers/rotation';

function ramp(dims: [number, number, number]): Float32Array {
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 100 + i * 0.01;
  return data;
}

function expectSameGeometry(a: Volume, b: Volume, tol = 1e-4): void {
  expect(b.dims).toEqual(a.dims);
  a.spacing.forEach((s, i) => expect(b.spacing[i]).toBeCloseTo(s, 4));
  a.origin.forEach((o, i) => expect(Math.abs(b.origin[i] - o)).toBeLessThan(tol * 100));
  a.direction.forEach((d, i) => expect(Math.abs(b.direction[i] - d)).toBeLessThan(tol));
  // The corner voxel lands on the same patient position.
  const corner = a.dims.map((d) => d - 1) as [number, number, number];
  const pa = voxelToPatient(a, ...corner);
  const pb = voxelToPatient(b, ...corner);
  pa.forEach((p, i) => expect(Math.abs(pb[i] - p)).toBeLessThan(1e-2));
}

function headerOf(bytes: Uint8Array): NiftiHeader {
  return parseNiftiHeader(gunzipSync(bytes));
}

function baseHeader(dims: number[], over: Partial<NiftiHeader> = {}): Omit<NiftiHeader, 'version' | 'littleEndian'> {
  return {
    dim: [3, dims[0], dims[1], dims[2], 1, 1, 1, 1],
    pixdim: [1, 2, 3, 4, 1, 1, 1, 1],
    datatype: 16,
    bitpix: 32,
    voxOffset: 352,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: 2,
    descrip: 'test',
    qformCode: 0,
    sformCode: 0,
    quatern: [0, 0, 0],
    qoffset: [0, 0, 0],
    srow: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ],
    ...over,
  };
}

function niiBytes(header: Omit<NiftiHeader, 'version' | 'littleEndian'>, payload: ArrayBufferView): Uint8Array {
  const h = buildNifti1Header(header);
  const out = new Uint8Array(h.length + payload.byteLength);
  out.set(h);
  out.set(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), h.length);
  return out;
}

describe('NIfTI round trip', () => {
  it('keeps float32 data and axial geometry exactly', () => {
    const v = createVolume({
      dims: [7, 5, 3],
      spacing: [4, 4, 4],
      origin: [-126, -100.5, 30.25],
      data: ramp([7, 5, 3]),
    });
    const back = readNifti(writeNifti(v));
    expect(Array.from(back.data)).toEqual(Array.from(v.data));
    expectSameGeometry(v, back);
  });

  it('keeps an oblique direction, with sform and qform agreeing', () => {
    const v = createVolume({
      dims: [6, 4, 5],
      spacing: [1.5, 2, 3.5],
      origin: [10, -20, 55],
      direction: rotationDegrees(12, -25, 33, 'xyz'),
      data: ramp([6, 4, 5]),
    });
    const bytes = writeNifti(v);
    const back = readNifti(bytes);
    expectSameGeometry(v, back);
    const h = headerOf(bytes);
    expect(h.qformCode).toBe(1);
    expect(h.sformCode).toBe(1);
    const fromQform = affineToGeometry(qformToAffine(h.quatern, h.qoffset, h.pixdim), 'qform');
    expectSameGeometry(v, { ...v, ...fromQform });
  });

  it('keeps a left-handed (qfac = −1) frame', () => {
    // Axial slices stacked head → feet (k → −z) make a left-handed frame: det −1.
    const direction: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, -1];
    const v = createVolume({
      dims: [4, 4, 3],
      spacing: [1, 1, 2],
      origin: [-3, 50, 60],
      direction,
      data: ramp([4, 4, 3]),
    });
    const bytes = writeNifti(v);
    expect(headerOf(bytes).pixdim[0]).toBe(-1);
    const h = headerOf(bytes);
    expectSameGeometry(v, { ...v, ...affineToGeometry(qformToAffine(h.quatern, h.qoffset, h.pixdim), 'qform') });
    expectSameGeometry(v, readNifti(bytes));
  });

  it('writes masks as uint8 and labels as int16, refusing values that do not fit', () => {
    const labels = createVolume({ dims: [3, 2, 2], data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 255]) });
    const u8 = writeNifti(labels, { datatype: 'uint8' });
    expect(headerOf(u8).datatype).toBe(2);
    expect(Array.from(readNifti(u8).data)).toEqual(Array.from(labels.data));
    const i16 = writeNifti(createVolume({ dims: [2, 1, 1], data: Float32Array.from([-300, 12000]) }), {
      datatype: 'int16',
    });
    expect(Array.from(readNifti(i16).data)).toEqual([-300, 12000]);
    expect(() =>
      writeNifti(createVolume({ dims: [2, 1, 1], data: Float32Array.from([0, 256]) }), { datatype: 'uint8' }),
    ).toThrow(/256 as uint8/);
    expect(() =>
      writeNifti(createVolume({ dims: [2, 1, 1], data: Float32Array.from([0, 0.5]) }), { datatype: 'int16' }),
    ).toThrow(/0.5 as int16/);
  });

  it('reads and writes files through the Node helpers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nifti-'));
    const v = createVolume({ dims: [3, 3, 3], spacing: [4, 4, 4], origin: [1, 2, 3], data: ramp([3, 3, 3]) });
    await writeNiftiFile(path.join(dir, 'v.nii.gz'), v);
    expectSameGeometry(v, await readNiftiFile(path.join(dir, 'v.nii.gz')));
    await expect(writeNiftiFile(path.join(dir, 'v.nii'), v)).rejects.toThrow(/\.nii\.gz/);
    fs.writeFileSync(path.join(dir, 'bad.nii'), 'hello');
    await expect(readNiftiFile(path.join(dir, 'bad.nii'))).rejects.toThrow(/bad\.nii: not a NIfTI/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('NIfTI geometry from headers', () => {
  it('maps an RAS sform to LPS (the MNI 2 mm grid)', () => {
    // MNI152 2 mm: srow_x = [−2 0 0 90], srow_y = [0 2 0 −126], srow_z = [0 0 2 −72].
    const header = baseHeader([2, 2, 2], {
      sformCode: 4,
      srow: [
        [-2, 0, 0, 90],
        [0, 2, 0, -126],
        [0, 0, 2, -72],
      ],
    });
    const v = readNifti(niiBytes(header, new Float32Array(8)));
    expect(v.spacing).toEqual([2, 2, 2]);
    expect(v.origin).toEqual([-90, 126, -72]);
    expect(Array.from(v.direction)).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
  });

  it('prefers the sform when both are set and uses the qform otherwise', () => {
    const qform = {
      qformCode: 1,
      quatern: [0, 0, 1] as [number, number, number],
      qoffset: [5, 6, 7] as [number, number, number],
    };
    const sform = {
      sformCode: 2,
      srow: [
        [3, 0, 0, -1],
        [0, 3, 0, -2],
        [0, 0, 3, -3],
      ] as NiftiHeader['srow'],
    };
    const both = readNifti(niiBytes(baseHeader([2, 2, 2], { ...qform, ...sform }), new Float32Array(8)));
    expect(both.spacing).toEqual([3, 3, 3]);
    expect(both.origin).toEqual([1, 2, -3]);
    const qOnly = readNifti(niiBytes(baseHeader([2, 2, 2], { ...qform, ...sform, sformCode: 0 }), new Float32Array(8)));
    // quatern (b,c,d) = (0,0,1): 180° about z, so RAS i → −x, j → −y; in LPS those are +x, +y.
    expect(qOnly.spacing).toEqual([2, 3, 4]);
    expect(qOnly.origin).toEqual([-5, -6, 7]);
    expect(Array.from(qOnly.direction).map((d) => Math.round(d))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('applies scl_slope/scl_inter to integer data and reads uncompressed, big-endian files', () => {
    const payload = Int16Array.from([0, 1, 2, 3, 4, 5, 6, -7]);
    const header = baseHeader([2, 2, 2], { datatype: 4, bitpix: 16, sclSlope: 0.5, sclInter: 10 });
    expect(Array.from(readNifti(niiBytes(header, payload)).data)).toEqual([10, 10.5, 11, 11.5, 12, 12.5, 13, 6.5]);
    // Byte-swap every header field and voxel by hand to build a big-endian file.
    const le = niiBytes(baseHeader([2, 1, 1], { datatype: 4, bitpix: 16 }), Int16Array.from([258, -2]));
    const be = new Uint8Array(le.length);
    const src = new DataView(le.buffer);
    const dst = new DataView(be.buffer);
    be.set(le);
    dst.setInt32(0, src.getInt32(0, true), false);
    for (let o = 40; o < 76; o += 2) dst.setInt16(o, src.getInt16(o, true), false);
    for (let o = 76; o < 120; o += 4) dst.setFloat32(o, src.getFloat32(o, true), false);
    for (let o = 352; o < 356; o += 2) dst.setInt16(o, src.getInt16(o, true), false);
    expect(Array.from(readNifti(be).data)).toEqual([258, -2]);
  });

  it('reads NIfTI-2 headers', () => {
    const bytes = new Uint8Array(544 + 8 * 4);
    const view = new DataView(bytes.buffer);
    view.setInt32(0, 540, true);
    bytes.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
    view.setInt16(12, 16, true);
    view.setInt16(14, 32, true);
    [3, 2, 2, 2, 1, 1, 1, 1].forEach((d, i) => view.setBigInt64(16 + 8 * i, BigInt(d), true));
    [1, 1.25, 1.25, 2.5, 1, 1, 1, 1].forEach((p, i) => view.setFloat64(104 + 8 * i, p, true));
    view.setBigInt64(168, 544n, true);
    view.setFloat64(176, 2, true); // scl_slope
    view.setInt32(348, 1, true); // sform_code
    [
      [1.25, 0, 0, 10],
      [0, 1.25, 0, 20],
      [0, 0, 2.5, 30],
    ].forEach((row, r) => row.forEach((x, c) => view.setFloat64(400 + 32 * r + 8 * c, x, true)));
    new Float32Array(bytes.buffer, 544, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
    const v = readNifti(gzipSync(bytes));
    expect(v.spacing).toEqual([1.25, 1.25, 2.5]);
    expect(v.origin).toEqual([-10, -20, 30]);
    expect(Array.from(v.data)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
  });
});

describe('NIfTI bad input', () => {
  it('says what is wrong', () => {
    expect(() => readNifti(new TextEncoder().encode('not an image at all'))).toThrow(/not a NIfTI/);
    expect(() => readNifti(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(/could not be decompressed/);
    const fourD = baseHeader([2, 2, 2], { dim: [4, 2, 2, 2, 3, 1, 1, 1] });
    expect(() => readNifti(niiBytes(fourD, new Float32Array(24)))).toThrow(/4D with 3 volumes/);
    const oneVolume4D = baseHeader([2, 2, 2], { dim: [4, 2, 2, 2, 1, 1, 1, 1] });
    expect(readNifti(niiBytes(oneVolume4D, new Float32Array(8))).dims).toEqual([2, 2, 2]);
    const zeroPixdim = baseHeader([2, 2, 2], { qformCode: 1, pixdim: [1, 2, 0, 2, 1, 1, 1, 1] });
    expect(() => readNifti(niiBytes(zeroPixdim, new Float32Array(8)))).toThrow(/pixdim\[2\] is 0/);
    const zeroSform = baseHeader([2, 2, 2], {
      sformCode: 1,
      srow: [
        [1, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 1, 0],
      ],
    });
    expect(() => readNifti(niiBytes(zeroSform, new Float32Array(8)))).toThrow(/sform.*axis 2 zero/);
    expect(() => readNifti(niiBytes(baseHeader([2, 2, 2]), new Float32Array(5)))).toThrow(/truncated/);
    const complex = baseHeader([2, 2, 2], { datatype: 32, bitpix: 64 });
    expect(() => readNifti(niiBytes(complex, new Float32Array(16)))).toThrow(/complex64 is not supported/);
  });
});

describe('NIfTI .gz through Node zlib (readNiftiFile)', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nifti-zlib-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const image = () => createVolume({ dims: [7, 5, 3], spacing: [2, 3, 4], data: ramp([7, 5, 3]) });

  it('reads the same voxels and geometry as the streaming codec', async () => {
    const file = path.join(dir, 'same.nii.gz');
    await writeNiftiFile(file, image());
    const viaZlib = await readNiftiFile(file);
    const viaCodec = readNifti(fs.readFileSync(file));
    expect(Array.from(viaZlib.data)).toEqual(Array.from(viaCodec.data));
    expectSameGeometry(viaCodec, viaZlib, 1e-9);
  });

  it('falls back to the streaming codec when the stream holds bytes past the image', async () => {
    const raw = encodeNifti(image());
    const padded = new Uint8Array(raw.length + 1000);
    padded.set(raw);
    const file = path.join(dir, 'trailing.nii.gz');
    fs.writeFileSync(file, gzipSync(padded));
    expect(Array.from((await readNiftiFile(file)).data)).toEqual(Array.from(image().data));
  });

  it('falls back to the streaming codec when a long gzip file name keeps the header out of the first 4 KiB', async () => {
    const raw = encodeNifti(image());
    const deflated = deflateRawSync(raw);
    const name = Buffer.from(`${'x'.repeat(6000)}.nii\0`, 'latin1');
    const head = Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 255]); // FLG.FNAME: a name follows the header
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(crc32(raw), 0);
    tail.writeUInt32LE(raw.length, 4);
    const file = path.join(dir, 'named.nii.gz');
    fs.writeFileSync(file, Buffer.concat([head, name, deflated, tail]));
    expect(Array.from((await readNiftiFile(file)).data)).toEqual(Array.from(image().data));
  });

  it('refuses a header that declares more than the limit before inflating the voxels', async () => {
    const huge = baseHeader([4096, 4096, 4096]);
    const file = path.join(dir, 'bomb.nii.gz');
    fs.writeFileSync(file, gzipSync(niiBytes(huge, new Float32Array(1000))));
    await expect(readNiftiFile(file)).rejects.toThrow(/over the 1\.0 GiB limit/);
  });
});
