// SURE on real phantom data: for a known linear filter under white Gaussian noise the Monte-Carlo divergence matches
// the exact one (σ²·centre tap·|M|), SURE matches the true MSE against the noise-free truth, and the SURE blend of the
// noisy input and the filter lands near the truth's best α. Runtime ≈ 1 s.
import { filterSeparable, type AxisKernels } from '../../src/core/whitening';
import { maskedMse } from '../../src/core/metrics';
import { mcDivergence, sureBlendWeight, sureMse, sureProbe } from '../../src/core/sure';
import { createVolume, type Volume, volumeLike } from '../../src/core/volume';
import { Random } from '../../src/phantom/random';
import { phantomSubject } from '../helpers/phantom';

const subject = phantomSubject({ matrix: 48, voxelSizeMm: 5, seed: 3 });
const truth = subject.truth;
const sigma = 20; // brain SNR ≈ 13, where the blur is worth about a third of the blend
/** The brain, away from the grid's faces (where the mirrored border changes the filter's diagonal). */
const brain = subject.brainMask;
const kernel = Float64Array.from([0.25, 0.5, 0.25]);
const kernels: AxisKernels = [kernel, kernel, kernel];

function gaussianNoise(seed: number, like: Volume): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from(like.data, () => sigma * rng.normal());
}

const noise = gaussianNoise(11, truth);
const noisy = volumeLike(
  truth,
  Float32Array.from(truth.data, (x, i) => x + noise[i]),
);
const blur = (v: Volume) => filterSeparable(v, kernels);
const smoothed = blur(noisy);

describe('SURE', () => {
  const voxels = brain.reduce((s, m) => s + m, 0);
  const exact = sigma ** 2 * 0.5 ** 3 * voxels; // tr_M(J C) = σ² Σ_M J_ii, J_ii = centre tap³
  // One probe's relative standard deviation: √(2 tr(J²)) / tr(J), Σ_j J_ij² = (2·0.25² + 0.5²)³ per voxel.
  const probeSd = Math.sqrt((2 * 0.375 ** 3) / voxels) / 0.5 ** 3;
  const probes = [12, 13, 14, 15].map((seed) => gaussianNoise(seed, truth));
  const probe = probes[0];
  const divergenceOf = (b: Float32Array) =>
    mcDivergence(
      b,
      smoothed.data,
      blur(
        volumeLike(
          noisy,
          Float32Array.from(noisy.data, (x, i) => x + 0.05 * b[i]),
        ),
      ).data,
      0.05,
      brain,
    );
  const divergence = probes.map(divergenceOf).reduce((s, d) => s + d, 0) / probes.length;
  const perturbed = blur(
    volumeLike(
      noisy,
      Float32Array.from(noisy.data, (x, i) => x + 0.05 * probe[i]),
    ),
  );

  it('estimates a linear filter’s divergence within 3 standard deviations of its Monte-Carlo error', () => {
    expect(voxels).toBeGreaterThan(5000);
    expect(probeSd / 2).toBeLessThan(0.02); // 4 probes: ≈ 1.2 % here
    expect(Math.abs(divergence / exact - 1)).toBeLessThan((3 * probeSd) / 2);
  });

  it('matches the true MSE of the filter within 5 % (and of the input itself)', () => {
    const trueMse = maskedMse(smoothed.data, truth.data, brain);
    const estimate = sureMse(noisy.data, { output: smoothed.data, divergence }, brain, sigma ** 2);
    expect(Math.abs(estimate / trueMse - 1)).toBeLessThan(0.05);
    // The identity: ‖y − y‖² − |M|σ² + 2σ²|M| = σ² per voxel, the noise's own variance.
    const identity = sureMse(noisy.data, { output: noisy.data, divergence: sigma ** 2 * voxels }, brain, sigma ** 2);
    expect(identity).toBeCloseTo(sigma ** 2, 6);
  });

  it('blends two denoisers where the truth would, and its SURE is the quadratic’s minimum', () => {
    const identity = { output: noisy.data, divergence: sigma ** 2 * voxels };
    const blend = sureBlendWeight(noisy.data, identity, { output: smoothed.data, divergence }, brain, sigma ** 2);
    let xd = 0,
      dd = 0;
    for (let i = 0; i < brain.length; i++)
      if (brain[i]) {
        const d = smoothed.data[i] - noisy.data[i];
        xd += (truth.data[i] - noisy.data[i]) * d;
        dd += d * d;
      }
    const oracle = Math.min(1, Math.max(0, xd / dd));
    expect(oracle).toBeGreaterThan(0.1);
    expect(Math.abs(blend.alpha - oracle)).toBeLessThan(0.1);
    expect(blend.sureBlend).toBeLessThanOrEqual(Math.min(blend.sureA, blend.sureB) + 1e-9);
    expect(blend.voxels).toBe(voxels);
  });

  it('keeps A when both outputs agree, and refuses bad inputs with one line', () => {
    const run = { output: smoothed.data, divergence };
    expect(sureBlendWeight(noisy.data, run, run, brain, sigma ** 2).alpha).toBe(0);
    expect(() => sureMse(noisy.data, run, new Uint8Array(brain.length), 1)).toThrow('non-empty mask');
    expect(() => sureMse(noisy.data.subarray(1), run, brain, 1)).toThrow('the input has');
    expect(() => mcDivergence(probe, smoothed.data, perturbed.data, 0, brain)).toThrow('ε must be > 0');
    expect(() => sureBlendWeight(noisy.data, run, run, brain, NaN)).toThrow('noise variance');
  });
});

describe('sureProbe', () => {
  const N = 48;
  const like = createVolume({ dims: [N, N, N], spacing: [4, 4, 4], data: new Float32Array(N ** 3) });
  /** Variance and lag-1 correlation along x away from the borders (the kernels' reach: 12 voxels, mirrored there). */
  const stats = (b: Float32Array, _step: number) => {
    let v = 0;
    let c = 0;
    let n = 0;
    for (let z = 12; z < N - 12; z++)
      for (let y = 12; y < N - 12; y++)
        for (let x = 12; x < N - 13; x++) {
          const i = (z * N + y) * N + x;
          v += b[i] * b[i];
          c += b[i] * b[i + 1];
          n++;
        }
    return { variance: v / n, lag: c / v };
  };

  it('has variance σ² per voxel, the correlation it is given, and is the same for the same seed', () => {
    const white = sureProbe(like, 3, null, 7);
    expect(stats(white, 1).variance).toBeCloseTo(9, 0);
    expect(Math.abs(stats(white, 1).lag)).toBeLessThan(0.02);
    const rho = Float64Array.from([1, 0.6, 0.1, 0, 0, 0, 0, 0, 0]);
    const coloured = sureProbe(like, 3, [rho, rho, rho], 7);
    const s = stats(coloured, 1); // lag 1 along x
    expect(Math.abs(s.variance / 9 - 1)).toBeLessThan(0.05);
    expect(Math.abs(s.lag - 0.6)).toBeLessThan(0.05);
    expect(sureProbe(like, 3, null, 7)).toEqual(white);
    expect(sureProbe(like, 3, null, 8)).not.toEqual(white);
    expect(() => sureProbe(like, 0, null, 1)).toThrow(/σ must be > 0/);
  });
});
