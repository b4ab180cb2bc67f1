// The DA/NLM blend: the least-squares weight against labels with independent noise recovers the weight that is best
// against the truth, the pooled fit over several outputs, the clamping to [0, 1], and the blend on a mask.
import { blendOutputs, fitBlendWeight } from '../../src/core/blend';
import { Random } from '../../src/phantom/random';
import { phantomSubject } from '../helpers/phantom';

const subject = phantomSubject({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 11 });
const truth = subject.truth.data;
const brain = subject.brainMask;

/** The truth plus independent Gaussian noise of standard deviation `sd`. */
function noisyCopy(sd: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from(truth, (t) => t + sd * rng.normal());
}

describe('fitBlendWeight', () => {
  it('recovers the best weight against the truth from labels with their own noise', () => {
    // Errors of sd 2 and 4, independent: the best blend takes w = 2²/(2² + 4²) = 0.2 of the second.
    const a = [noisyCopy(2, 1), noisyCopy(2, 2)];
    const b = [noisyCopy(4, 3), noisyCopy(4, 4)];
    const labels = [noisyCopy(6, 5), noisyCopy(6, 6)];
    const fit = fitBlendWeight(a, b, labels, brain);
    expect(fit.weight).toBeGreaterThan(0.15);
    expect(fit.weight).toBeLessThan(0.25);
    expect(fit.voxels).toBe(2 * brain.reduce((s, m) => s + m, 0));
    // Label noise (36) adds to every MSE alike; the blend is below both.
    expect(fit.mseA).toBeGreaterThan(36 + 3);
    expect(fit.mseB).toBeGreaterThan(fit.mseA);
    expect(fit.mseBlend).toBeLessThan(fit.mseA);
    // The reported blend MSE is the blend's.
    let sum = 0;
    for (let k = 0; k < 2; k++) {
      const out = blendOutputs(a[k], b[k], fit.weight);
      for (let v = 0; v < brain.length; v++) if (brain[v]) sum += (out[v] - labels[k][v]) ** 2;
    }
    expect(fit.mseBlend).toBeCloseTo(sum / fit.voxels, 2);
  });

  it('clamps to [0, 1]: a worse copy of one output gets no weight, the truth itself all of it', () => {
    const a = [noisyCopy(2, 7)];
    const labels = [noisyCopy(3, 8)];
    const worse = [Float32Array.from(a[0], (x, i) => x + 3 * (x - truth[i]))];
    expect(fitBlendWeight(a, worse, labels, brain).weight).toBe(0);
    expect(fitBlendWeight(a, [truth], labels, brain).weight).toBeGreaterThan(0.9);
    expect(fitBlendWeight(a, [Float32Array.from(truth, (t) => t + 0.1)], labels, brain).weight).toBeLessThanOrEqual(1);
    // Identical outputs: nothing to choose between, w = 0.
    expect(fitBlendWeight(a, a, labels, brain).weight).toBe(0);
  });

  it('refuses mismatched inputs and an empty mask', () => {
    const a = [noisyCopy(1, 9)];
    expect(() => fitBlendWeight(a, [], [truth], brain)).toThrow(/same number/);
    expect(() => fitBlendWeight(a, a, [truth.subarray(1)], brain)).toThrow(/mask grid/);
    expect(() => fitBlendWeight(a, a, [truth], new Uint8Array(brain.length))).toThrow(/at least one voxel/);
  });
});

describe('blendOutputs', () => {
  it('blends on the mask, keeps the first output elsewhere, and leaves its inputs untouched', () => {
    const a = noisyCopy(2, 10);
    const b = noisyCopy(2, 12);
    const [a0, b0] = [Float32Array.from(a), Float32Array.from(b)];
    const out = blendOutputs(a, b, 0.25, brain);
    for (let v = 0; v < a.length; v++) {
      const expected = brain[v] ? a[v] + 0.25 * (b[v] - a[v]) : a[v];
      expect(out[v]).toBeCloseTo(expected, 4);
    }
    expect(a).toEqual(a0);
    expect(b).toEqual(b0);
    expect(() => blendOutputs(a, b, 1.5)).toThrow(/\[0, 1\]/);
    expect(() => blendOutputs(a, b, NaN)).toThrow(/\[0, 1\]/);
    expect(() => blendOutputs(a, b.subarray(1), 0.5)).toThrow(/one grid/);
  });
});
