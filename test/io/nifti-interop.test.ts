// Cross-check with an independent NIfTI implementation (nifti-reader-js, run in a child process because it is ESM-only):
// it reads our files, computing its own qform from our quaternion, and it writes headers that we read.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume, type Mat3 } from '../../src/core/volume';
import { writeNiftiFile } from '../../src/io/nifti';
import { readNifti } from '../../src/io/nifti-codec';
import { rotationDegrees } from '../helpers/rotation';

const REPO = path.join(__dirname, '..', '..');

/** Runs an ES-module snippet with nifti-reader-js imported as `nifti`; returns its JSON output. */
function withNiftiReaderJs(body: string, ...args: string[]): unknown {
  const script = `import * as nifti from 'nifti-reader-js';\nimport * as fs from 'node:fs';\n${body}`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`nifti-reader-js script failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

describe('NIfTI interoperability with nifti-reader-js', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nifti-interop-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads our oblique .nii.gz: same sform, an equal qform from our quaternion, same voxels', async () => {
    for (const [name, direction] of [
      ['oblique', rotationDegrees(20, -35, 50, 'zyx')],
      ['flipped', [1, 0, 0, 0, 1, 0, 0, 0, -1] as Mat3],
    ] as const) {
      const data = Float32Array.from({ length: 5 * 4 * 3 }, (_, i) => i * 1.5 - 7);
      const v = createVolume({ dims: [5, 4, 3], spacing: [2, 3.5, 4], origin: [-12.5, 40, 7.25], direction, data });
      const file = path.join(dir, `${name}.nii.gz`);
      await writeNiftiFile(file, v);
      const out = withNiftiReaderJs(
        `const buf = fs.readFileSync(process.argv[process.argv.length - 1]);
         let data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
         if (nifti.isCompressed(data)) data = nifti.decompress(data);
         const h = nifti.readHeader(data);
         console.log(JSON.stringify({ dims: h.dims, sform: h.affine, qform: h.getQformMat(), codes: [h.qform_code, h.sform_code],
           voxels: Array.from(new Float32Array(nifti.readImage(h, data))) }));`,
        file,
      ) as { dims: number[]; sform: number[][]; qform: number[][]; codes: number[]; voxels: number[] };
      expect(out.dims.slice(0, 4)).toEqual([3, 5, 4, 3]);
      expect(out.codes).toEqual([1, 1]);
      expect(out.voxels).toEqual(Array.from(data));
      // RAS affine = diag(−1, −1, 1) · [direction · spacing | origin], worked out here independently of src/io.
      const flip = [-1, -1, 1];
      for (let r = 0; r < 3; r++) {
        for (let c = 0; c < 3; c++) {
          expect(out.sform[r][c]).toBeCloseTo(flip[r] * direction[3 * c + r] * v.spacing[c], 5);
          expect(out.qform[r][c]).toBeCloseTo(out.sform[r][c], 4);
        }
        expect(out.sform[r][3]).toBeCloseTo(flip[r] * v.origin[r], 4);
        expect(out.qform[r][3]).toBeCloseTo(out.sform[r][3], 4);
      }
    }
  });

  it('reads a header that nifti-reader-js wrote (qform only, int16 with scaling)', () => {
    const out = withNiftiReaderJs(
      `const h = new nifti.NIFTI1();
       h.littleEndian = true;
       h.dims = [3, 3, 2, 2, 1, 1, 1, 1];
       h.pixDims = [1, 1.5, 2.5, 3, 1, 1, 1, 1];
       h.datatypeCode = nifti.NIFTI1.TYPE_INT16;
       h.numBitsPerVoxel = 16;
       h.vox_offset = 352;
       h.scl_slope = 2;
       h.scl_inter = -1;
       h.qform_code = 1;
       h.sform_code = 0;
       // 90° about z: b = c = 0, d = sin(45°).
       h.quatern_b = 0; h.quatern_c = 0; h.quatern_d = Math.SQRT1_2;
       h.qoffset_x = 10; h.qoffset_y = -20; h.qoffset_z = 30;
       h.magic = 'n+1';
       const header = new Uint8Array(h.toArrayBuffer());
       const voxels = new Uint8Array(Int16Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).buffer);
       const file = new Uint8Array(header.length + voxels.length);
       file.set(header); file.set(voxels, header.length);
       const parsed = nifti.readHeader(file.buffer);
       console.log(JSON.stringify({ bytes: Array.from(file), qform: parsed.getQformMat() }));`,
    ) as { bytes: number[]; qform: number[][] };
    const v = readNifti(Uint8Array.from(out.bytes));
    expect(v.dims).toEqual([3, 2, 2]);
    expect(Array.from(v.data)).toEqual([-1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
    expect(v.spacing.map((s) => Number(s.toFixed(5)))).toEqual([1.5, 2.5, 3]);
    // nifti-reader-js's own RAS qform, converted to LPS here, must match our geometry.
    const flip = [-1, -1, 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++)
        expect(v.direction[3 * c + r] * v.spacing[c]).toBeCloseTo(flip[r] * out.qform[r][c], 5);
      expect(v.origin[r]).toBeCloseTo(flip[r] * out.qform[r][3], 5);
    }
  });
});
