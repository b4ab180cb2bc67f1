// The NLM numeric kernel for one box of a volume: a pure function of typed arrays (no tfjs, no DOM, no Node), so the
// same code runs on the main thread, in a Node worker_thread and in a browser Web Worker.
//
// DIPY visits every voxel and, for each moving patch in its block, sums squared differences over the patch: cost
// |block|·|patch| per voxel. Here the loops are turned inside out: for each search offset δ the squared difference
// image (u(x) − u(x+δ))² is box-summed over the patch with running sums (cost independent of the patch size), and
// because the patch distance of (x, x+δ) is the one of (x+δ, x), each distance serves both voxels, so only half of
// the offsets are visited.

import { steppedSlabJob } from './stepped-job';

/** One box of work: the box grown by blockRadius on every side, its values reflected at the volume's edges. */
export interface NlmSlabTask {
  /** Output box size [bx, by, bz]. */
  box: [number, number, number];
  /** (bx + 2B)·(by + 2B)·(bz + 2B) values, x fastest, B = blockRadius. */
  input: Float32Array;
  /** σ: one value, or one per voxel of `input`'s grid. */
  sigma: number | Float32Array;
  patchRadius: number;
  blockRadius: number;
  rician: boolean;
  /**
   * The voxels wanted, per box row (y + by·z): the x range [lo, hi) as 2 values (lo = hi: none), from the mask
   * (an NlmBox's rows). The SIMD kernel computes only these (the others come back 0); this kernel, the
   * reference, computes every voxel. Default: all.
   */
  rows?: Int32Array;
  /** Which kernel runs it: 'simd' (kernel-simd.ts, one σ only), 'js' (this file), 'auto' (default: simd if it can). */
  engine?: NlmEngine;
}

export type NlmEngine = 'auto' | 'simd' | 'js';

/** Resumable computation of one box, so callers can report progress and stop between steps. */
export interface NlmSlabJob {
  /** Steps in all: one per visited search offset. */
  readonly totalSteps: number;
  readonly doneSteps: number;
  /** Runs up to `maxSteps` more offsets; returns true once every offset is done. */
  step(maxSteps: number): boolean;
  /** The denoised box, bx·by·bz values; only valid once step() has returned true. */
  result(): Float32Array;
}

/** A k above any real one: a moving patch whose mean σ is 0 then keeps only identical patches. */
const K_FOR_ZERO_SIGMA = 1e300;

export function createNlmSlabJob(task: NlmSlabTask): NlmSlabJob {
  const [bx, by, bz] = task.box;
  const P = task.patchRadius;
  const B = task.blockRadius;
  const R = B - P;
  if (!(P >= 0 && R >= 1)) throw new Error(`NLM kernel: need 0 ≤ patch_radius < block_radius, got ${P}, ${B}`);
  const px = bx + 2 * B;
  const py = by + 2 * B;
  const pz = bz + 2 * B;
  const pxy = px * py;
  const u = task.input;
  if (u.length !== pxy * pz)
    throw new Error(
      `NLM kernel: input has ${u.length} values, box [${task.box.join(', ')}] grown by ${B} needs ${pxy * pz}`,
    );
  const sigmaMap = typeof task.sigma === 'number' ? null : task.sigma;
  if (sigmaMap && sigmaMap.length !== u.length) throw new Error('NLM kernel: the sigma map must share the input grid');

  const patchVolume = (2 * P + 1) ** 3;
  // w = exp(−SSD · k(moving centre)), k = 1 / (|patch| · √2 · σ̄²) as in DIPY's process_block.
  const kConst = sigmaMap ? 0 : 1 / (patchVolume * Math.SQRT2 * (task.sigma as number) ** 2);
  const kMapBuf = sigmaMap ? weightScaleMap(sigmaMap, px, py, pz, P, patchVolume) : null;

  const n = bx * by * bz;
  const weightSumBuf = new Float64Array(n);
  const valueSumBuf = new Float64Array(n);
  const weightSum = weightSumBuf,
    valueSum = valueSumBuf;
  // The offset 0 (the voxel's own patch) always has weight exp(0) = 1.
  for (let z = 0, o = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const base = B + px * (y + B) + pxy * (z + B);
      for (let x = 0; x < bx; x++, o++) {
        const v = u[base + x];
        weightSum[o] = 1;
        valueSum[o] = v * v;
      }
    }
  }

  // Half of the search cube: offsets lexicographically after 0 (dz, then dy, then dx).
  const offsets: number[] = [];
  for (let dz = 0; dz <= R; dz++) {
    for (let dy = dz === 0 ? 0 : -R; dy <= R; dy++) {
      for (let dx = dz === 0 && dy === 0 ? 1 : -R; dx <= R; dx++) offsets.push(dx, dy, dz);
    }
  }
  const totalSteps = offsets.length / 3;

  // Scratch sized for the widest ranges (an offset widens the box by |δ| ≤ R along each axis).
  const maxWx = bx + R;
  const maxWy = by + R;
  const diffRowBuf = new Float64Array(maxWx + 2 * P);
  const rowBoxedBuf = new Float64Array(maxWx * (maxWy + 2 * P));
  const colSumBuf = new Float64Array(maxWx);
  const ringPlanes: Float64Array[] = Array.from({ length: 2 * P + 1 }, () => new Float64Array(maxWx * maxWy));
  const distRowBuf = new Float64Array(maxWx);

  const state: KernelState = {
    u,
    bx,
    by,
    bz,
    B,
    P,
    px,
    pxy,
    ring: ringPlanes,
    rowBoxed: rowBoxedBuf,
    colSum: colSumBuf,
    diffRow: diffRowBuf,
    distRow: distRowBuf,
    weightSum,
    valueSum,
    kMap: kMapBuf,
    k: kConst,
  };
  const processOffset = (dx: number, dy: number, dz: number) => processOffsetOf(state, dx, dy, dz);

  return steppedSlabJob(
    totalSteps,
    (first, count) => {
      for (let d = first; d < first + count; d++) processOffset(offsets[3 * d], offsets[3 * d + 1], offsets[3 * d + 2]);
    },
    () => {
      const out = new Float32Array(n);
      for (let z = 0, o = 0; z < bz; z++) {
        for (let y = 0; y < by; y++) {
          const base = B + px * (y + B) + pxy * (z + B);
          for (let x = 0; x < bx; x++, o++) {
            const meanSquare = valueSum[o] / weightSum[o];
            let v = meanSquare;
            if (task.rician) {
              const s = sigmaMap ? sigmaMap[base + x] : (task.sigma as number);
              v = meanSquare - 2 * s * s;
            }
            out[o] = v > 0 ? Math.sqrt(v) : 0;
          }
        }
      }
      return out;
    },
  );
}

/** 2^−n for n = 0…63, the integer part of expNeg. */
const POW2_NEG = Float64Array.from({ length: 64 }, (_, n) => 2 ** -n);

/**
 * e^−t for t ≥ 0 (1 for t ≤ 0, 0 beyond t = 64·ln 2 ≈ 44): 2^−n from a table times a degree-6 fit of 2^f on
 * [−1, 0], relative error < 3e-9.
 * Three times faster than Math.exp in V8, and exp is most of the kernel's arithmetic.
 */
export function expNeg(t: number): number {
  const y = t * Math.LOG2E;
  if (!(y > 0)) return 1;
  // Below 2^−64 a weight is nothing beside the voxel's own weight of 1 (dissimilar patches across edges land here).
  if (y >= 64) return 0;
  const n = Math.floor(y);
  const f = n - y;
  const p =
    1 +
    f *
      (0.6931470589757399 +
        f *
          (0.24022430573263465 +
            f *
              (0.05549050685055261 +
                f * (0.009578722961551364 + f * (0.0012743611153434309 + f * 0.00010889923222323628)))));
  return p * POW2_NEG[n];
}

/** Buffers and sizes of one box, passed explicitly so the hot loops read locals, not closure slots. */
interface KernelState {
  u: Float32Array;
  bx: number;
  by: number;
  bz: number;
  B: number;
  P: number;
  px: number;
  pxy: number;
  ring: Float64Array[];
  rowBoxed: Float64Array;
  colSum: Float64Array;
  diffRow: Float64Array;
  distRow: Float64Array;
  weightSum: Float64Array;
  valueSum: Float64Array;
  kMap: Float64Array | null;
  k: number;
}

/** Adds the pairs (x, x+δ) of one search offset δ to the weight and value sums of the box. */
function processOffsetOf(s: KernelState, dx: number, dy: number, dz: number): void {
  const { u, bx, by, bz, B, P, px, pxy, ring, rowBoxed, colSum, diffRow, distRow, weightSum, valueSum, kMap, k } = s;
  // Voxels x whose pair (x, x+δ) touches the box: x in the box, or x+δ in it.
  // Written without unary minus: −0 would turn every index below into a double and V8 off its integer fast path.
  const loX = dx > 0 ? 0 - dx : 0,
    hiX = dx < 0 ? bx - dx : bx,
    wx = hiX - loX;
  const loY = dy > 0 ? 0 - dy : 0,
    hiY = dy < 0 ? by - dy : by,
    wy = hiY - loY;
  const loZ = dz > 0 ? 0 - dz : 0,
    hiZ = dz < 0 ? bz - dz : bz;
  const shift = dx + px * dy + pxy * dz;
  const rowLen = wx + 2 * P;
  const rows = wy + 2 * P;
  const span = 2 * P + 1;
  const P2 = 2 * P;

  for (let zz = loZ - P, planeNo = 0; zz < hiZ + P; zz++, planeNo++) {
    // 2D box sum of the squared differences on plane zz, into the ring.
    const plane = ring[planeNo % span];
    if (P === 1) {
      // The default patch: 3-tap box sums straight from registers, no running sums to keep.
      for (let r = 0; r < rows; r++) {
        const base = loX - 1 + B + px * (loY - 1 + r + B) + pxy * (zz + B);
        const out = r * wx;
        let a = u[base] - u[base + shift];
        let d0 = a * a;
        a = u[base + 1] - u[base + 1 + shift];
        let d1 = a * a;
        for (let x = 0; x < wx; x++) {
          a = u[base + x + 2] - u[base + x + 2 + shift];
          const d2 = a * a;
          rowBoxed[out + x] = d0 + d1 + d2;
          d0 = d1;
          d1 = d2;
        }
      }
      for (let y = 0; y < wy; y++) {
        const r0 = y * wx,
          r1 = r0 + wx,
          r2 = r1 + wx;
        for (let x = 0; x < wx; x++) plane[r0 + x] = rowBoxed[r0 + x] + rowBoxed[r1 + x] + rowBoxed[r2 + x];
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const base = loX - P + B + px * (loY - P + r + B) + pxy * (zz + B);
        for (let t = 0; t < rowLen; t++) {
          const d = u[base + t] - u[base + t + shift];
          diffRow[t] = d * d;
        }
        let s = 0;
        for (let t = 0; t < P2; t++) s += diffRow[t];
        const out = r * wx;
        for (let x = 0; x < wx; x++) {
          s += diffRow[x + P2];
          rowBoxed[out + x] = s;
          s -= diffRow[x];
        }
      }
      colSum.fill(0, 0, wx);
      for (let r = 0; r < P2; r++) {
        const o = r * wx;
        for (let x = 0; x < wx; x++) colSum[x] += rowBoxed[o + x];
      }
      for (let y = 0; y < wy; y++) {
        const add = (y + P2) * wx,
          sub = y * wx,
          out = y * wx;
        for (let x = 0; x < wx; x++) {
          const c = colSum[x] + rowBoxed[add + x];
          plane[out + x] = c;
          colSum[x] = c - rowBoxed[sub + x];
        }
      }
    }
    if (planeNo < P2) continue;

    // The ring now holds planes z−P … z+P: their sum is the patch distance on plane z.
    const z = zz - P;
    const pInZ = z >= 0 && z < bz;
    const qInZ = z + dz >= 0 && z + dz < bz;
    for (let y = 0; y < wy; y++) {
      const yy = loY + y;
      const pIn = pInZ && yy >= 0 && yy < by;
      const qIn = qInZ && yy + dy >= 0 && yy + dy < by;
      if (!pIn && !qIn) continue;
      const rowOff = y * wx;
      const weightsReady = span === 3 && kMap === null;
      if (weightsReady) {
        // Default patch, one σ: distance and weight in one pass.
        const r0 = ring[0],
          r1 = ring[1],
          r2 = ring[2];
        for (let x = 0; x < wx; x++) distRow[x] = expNeg((r0[rowOff + x] + r1[rowOff + x] + r2[rowOff + x]) * k);
      } else if (span === 3) {
        const r0 = ring[0],
          r1 = ring[1],
          r2 = ring[2];
        for (let x = 0; x < wx; x++) distRow[x] = r0[rowOff + x] + r1[rowOff + x] + r2[rowOff + x];
      } else {
        distRow.fill(0, 0, wx);
        for (let p = 0; p < span; p++) {
          const pl = ring[p];
          for (let x = 0; x < wx; x++) distRow[x] += pl[rowOff + x];
        }
      }
      // Padded index of x = loX on this row, for the voxel p and its partner q = p + δ.
      const pBase = loX + B + px * (yy + B) + pxy * (z + B);
      if (kMap === null) {
        if (!weightsReady) for (let x = 0; x < wx; x++) distRow[x] = expNeg(distRow[x] * k);
        if (pIn) {
          // p in the box gets the moving patch at q: x from 0 to bx.
          const o = bx * (yy + by * z);
          for (let xx = 0; xx < bx; xx++) {
            const w = distRow[xx - loX];
            const q = u[pBase + xx - loX + shift];
            weightSum[o + xx] += w;
            valueSum[o + xx] += w * q * q;
          }
        }
        if (qIn) {
          const o = bx * (yy + dy + by * (z + dz)) + dx;
          for (let xx = 0 - dx; xx < bx - dx; xx++) {
            const w = distRow[xx - loX];
            const p = u[pBase + xx - loX];
            weightSum[o + xx] += w;
            valueSum[o + xx] += w * p * p;
          }
        }
      } else {
        // σ varies: the weight seen by each voxel uses the mean σ of its partner's (moving) patch.
        if (pIn) {
          const o = bx * (yy + by * z);
          for (let xx = 0; xx < bx; xx++) {
            const qi = pBase + xx - loX + shift;
            const w = expNeg(distRow[xx - loX] * kMap[qi]);
            const q = u[qi];
            weightSum[o + xx] += w;
            valueSum[o + xx] += w * q * q;
          }
        }
        if (qIn) {
          const o = bx * (yy + dy + by * (z + dz)) + dx;
          for (let xx = 0 - dx; xx < bx - dx; xx++) {
            const pi = pBase + xx - loX;
            const w = expNeg(distRow[xx - loX] * kMap[pi]);
            const p = u[pi];
            weightSum[o + xx] += w;
            valueSum[o + xx] += w * p * p;
          }
        }
      }
    }
  }
}

/** Runs a whole box at once; `onProgress` gets the fraction of offsets done. */
export function runNlmSlab(task: NlmSlabTask, onProgress?: (fraction: number) => void): Float32Array {
  const job = createNlmSlabJob(task);
  const chunk = Math.max(1, Math.ceil(job.totalSteps / 50));
  while (!job.step(chunk)) onProgress?.(job.doneSteps / job.totalSteps);
  onProgress?.(1);
  return job.result();
}

/**
 * k(c) = 1 / (|patch|·√2·σ̄(c)²), σ̄ the mean σ over the patch centred at c, for every centre whose patch fits in
 * the grid (the only centres the kernel reads).
 */
function weightScaleMap(
  sigma: Float32Array,
  px: number,
  py: number,
  pz: number,
  P: number,
  patchVolume: number,
): Float64Array {
  const pxy = px * py;
  const k = new Float64Array(sigma.length);
  for (let z = P; z < pz - P; z++) {
    for (let y = P; y < py - P; y++) {
      for (let x = P; x < px - P; x++) {
        let s = 0;
        for (let c = -P; c <= P; c++) {
          for (let b = -P; b <= P; b++) {
            const row = x + px * (y + b) + pxy * (z + c);
            for (let a = -P; a <= P; a++) s += sigma[row + a];
          }
        }
        const mean = s / patchVolume;
        k[x + px * y + pxy * z] = mean > 0 ? 1 / (patchVolume * Math.SQRT2 * mean * mean) : K_FOR_ZERO_SIGMA;
      }
    }
  }
  return k;
}
