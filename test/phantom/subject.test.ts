// generateSubject on real generated data: determinism, SNR, tissue contrast, tubes, masks and per-subject shape.
import { generateSubject, resolvePhantomParams, TISSUE_LABEL as L, type PhantomSubject } from '../../src/phantom';

const params = resolvePhantomParams({ seed: 7 });
let subjects: PhantomSubject[];

beforeAll(() => {
  subjects = [generateSubject(params, 0), generateSubject(params, 1)];
});

const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;

function valuesWhere(data: ArrayLike<number>, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) if (keep(i)) out.push(data[i]);
  return out;
}

/** Truth values of voxels labelled `label` whose six face neighbours carry the same label (little partial volume). */
function erodedTruth(s: PhantomSubject, label: number): number[] {
  const [nx, ny, nz] = s.truth.dims;
  const out: number[] = [];
  for (let k = 1; k < nz - 1; k++) {
    for (let j = 1; j < ny - 1; j++) {
      for (let i = 1; i < nx - 1; i++) {
        const x = i + nx * (j + ny * k);
        if (s.labels[x] !== label) continue;
        if ([1, -1, nx, -nx, nx * ny, -nx * ny].every((d) => s.labels[x + d] === label)) out.push(s.truth.data[x]);
      }
    }
  }
  return out;
}

function checksum(a: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) h = (h * 31 + Math.round(a[i] * 1000)) % 2147483647;
  return h;
}

describe('generateSubject', () => {
  it('puts a 64³ grid of 4 mm voxels centred on the scanner origin', () => {
    const { truth } = subjects[0];
    expect(truth.dims).toEqual([64, 64, 64]);
    expect(truth.spacing).toEqual([4, 4, 4]);
    expect(truth.origin).toEqual([-126, -126, -126]);
    expect(subjects[0].id).toBe('sub-01');
    expect(subjects[1].id).toBe('sub-02');
  });

  it('is deterministic from the seed, and the SNR changes only the noise', () => {
    const again = generateSubject(params, 0);
    for (const key of ['truth', 'mean3'] as const)
      expect(checksum(again[key].data)).toBe(checksum(subjects[0][key].data));
    expect(checksum(again.acquisitions[2].data)).toBe(checksum(subjects[0].acquisitions[2].data));
    expect(Buffer.from(again.labels).equals(Buffer.from(subjects[0].labels))).toBe(true);
    const otherSeed = generateSubject({ ...params, seed: 8 }, 0);
    expect(checksum(otherSeed.truth.data)).not.toBe(checksum(subjects[0].truth.data));
    const noisier = generateSubject({ ...params, snr: 6 }, 0);
    expect(checksum(noisier.truth.data)).toBe(checksum(subjects[0].truth.data));
    expect(noisier.noiseSigma / subjects[0].noiseSigma).toBeCloseTo(params.snr / 6, 6);
  });

  it('has the requested SNR: σ from two repeats in the brain and from the background Rayleigh mean', () => {
    const apodised = generateSubject({ ...params, noise: 'apodised' }, 0);
    expect(checksum(apodised.truth.data)).toBe(checksum(subjects[0].truth.data));
    for (const s of [...subjects, apodised]) {
      const brainTruth = mean(valuesWhere(s.truth.data, (i) => s.brainMask[i] === 1));
      expect(brainTruth / s.noiseSigma).toBeCloseTo(params.snr, 6);
      const first = valuesWhere(s.acquisitions[0].data, (i) => s.brainMask[i] === 1);
      const second = valuesWhere(s.acquisitions[1].data, (i) => s.brainMask[i] === 1);
      const d = first.map((v, t) => v - second[t]);
      const md = mean(d);
      const sigmaFromRepeats = Math.sqrt(mean(d.map((v) => (v - md) ** 2))) / Math.SQRT2;
      expect(Math.abs(sigmaFromRepeats / s.noiseSigma - 1)).toBeLessThan(0.04);
      // Air: noise-free signal ≈ 0, so the magnitude is Rayleigh with mean σ·√(π/2).
      const air = valuesWhere(s.acquisitions[2].data, (i) => s.truth.data[i] < 1e-3 * s.noiseSigma);
      expect(air.length).toBeGreaterThan(50000);
      expect(Math.abs(mean(air) / Math.sqrt(Math.PI / 2) / s.noiseSigma - 1)).toBeLessThan(0.03);
    }
  });

  it('orders the truth by sodium content: CSF > lesion > GM > WM, each near its concentration', () => {
    for (const s of subjects) {
      const roi = (label: number) => {
        const v = erodedTruth(s, label);
        expect(v.length).toBeGreaterThan(0);
        return mean(v) / s.signalPerMM;
      };
      const [csf, lesion, gm, wm] = [roi(L.csf), roi(L.lesion), roi(L.gm), roi(L.wm)];
      expect(csf).toBeGreaterThan(lesion);
      expect(lesion).toBeGreaterThan(gm);
      expect(gm).toBeGreaterThan(wm);
      // White matter is wide enough to be nearly free of partial volume: within the coil's ±12 %.
      expect(wm / s.tissueConcentrationsMM.wm).toBeGreaterThan(0.85);
      expect(wm / s.tissueConcentrationsMM.wm).toBeLessThan(1.15);
      expect(s.tissueConcentrationsMM.gm).toBeGreaterThan(s.tissueConcentrationsMM.wm);
    }
  });

  it('makes tube signals proportional to concentration (uniform coil): a line through the tubes recovers them', () => {
    const p = resolvePhantomParams({
      seed: 3,
      coilVariation: 0,
      lesions: { count: [0, 0] },
      tubes: [
        { concentrationMM: 50, side: 'left', yMm: -30 },
        { concentrationMM: 100, side: 'right', yMm: -30 },
        { concentrationMM: 150, side: 'left', yMm: 30 },
      ],
    });
    const s = generateSubject(p, 0);
    expect(s.lesions).toEqual([]);
    expect(s.lesionMask.every((v) => v === 0)).toBe(true);
    const x = s.tubes.map((t) => t.concentrationMM);
    const y = s.tubes.map((t) => mean(valuesWhere(s.truth.data, (i) => s.tubeMask[i] === t.label)));
    s.tubes.forEach((t) => expect(t.voxels).toBeGreaterThan(100));
    // Least-squares line y = a·x + b through the three tubes.
    const mx = mean(x),
      my = mean(y);
    const a =
      x.reduce((acc, xi, i) => acc + (xi - mx) * (y[i] - my), 0) / x.reduce((acc, xi) => acc + (xi - mx) ** 2, 0);
    const b = my - a * mx;
    y.forEach((yi, i) => expect(Math.abs((yi - b) / a - x[i])).toBeLessThan(1));
    expect(Math.abs(b / a)).toBeLessThan(2); // through the origin, within 2 mM
  });

  it('keeps the default tubes left (50 mM) and right (100 mM) with signals in that ratio, give or take the coil', () => {
    const s = subjects[0];
    expect(s.tubes.map((t) => [t.label, t.side, t.concentrationMM])).toEqual([
      [1, 'left', 50],
      [2, 'right', 100],
    ]);
    const m1 = mean(valuesWhere(s.truth.data, (i) => s.tubeMask[i] === 1));
    const m2 = mean(valuesWhere(s.truth.data, (i) => s.tubeMask[i] === 2));
    expect(m2 / m1).toBeGreaterThan(1.5);
    expect(m2 / m1).toBeLessThan(2.6);
    // Patient left is +x in LPS: tube 1's voxels lie at high i.
    const iOf = (label: number) =>
      mean(valuesWhere(Float32Array.from(s.tubeMask.keys()), (i) => s.tubeMask[i] === label).map((i) => i % 64));
    expect(iOf(1)).toBeGreaterThan(55);
    expect(iOf(2)).toBeLessThan(9);
  });

  it('makes masks that agree with the labels', () => {
    const brainLabels = new Set<number>([L.gm, L.wm, L.csf, L.lesion]);
    for (const s of subjects) {
      let brain = 0;
      const problems: string[] = [];
      for (let i = 0; i < s.labels.length; i++) {
        const inBrain = s.brainMask[i] === 1;
        if (inBrain) brain++;
        if (brainLabels.has(s.labels[i]) !== inBrain)
          problems.push(`voxel ${i}: label ${s.labels[i]}, brain ${inBrain}`);
        if (s.tubeMask[i] && (s.labels[i] !== L.tube || inBrain))
          problems.push(`voxel ${i}: tube mask on label ${s.labels[i]}`);
        if (s.lesionMask[i] && (s.labels[i] !== L.lesion || !inBrain))
          problems.push(`voxel ${i}: lesion mask on label ${s.labels[i]}`);
      }
      expect(problems.slice(0, 5)).toEqual([]);
      // Intracranial volume of an adult head: 1.1–1.9 L.
      expect((brain * 64) / 1e6).toBeGreaterThan(1.1);
      expect((brain * 64) / 1e6).toBeLessThan(1.9);
      // Eyes, scalp and bone exist, all outside the brain mask (checked above through the labels).
      for (const label of [L.eye, L.scalp, L.bone])
        expect(s.labels.filter((l) => l === label).length).toBeGreaterThan(50);
      expect(s.lesions.length).toBeGreaterThanOrEqual(1);
      expect(s.lesions.length).toBeLessThanOrEqual(3);
      s.lesions.forEach((l) => {
        expect(l.concentrationMM).toBeGreaterThanOrEqual(60);
        expect(l.concentrationMM).toBeLessThanOrEqual(90);
        expect(l.voxels).toBe(s.lesionMask.filter((v) => v === l.label).length);
      });
    }
  });

  it('gives each subject its own shape', () => {
    const [a, b] = subjects.map((s) => s.brainMask);
    let both = 0,
      na = 0,
      nb = 0;
    for (let i = 0; i < a.length; i++) {
      both += a[i] & b[i];
      na += a[i];
      nb += b[i];
    }
    const dice = (2 * both) / (na + nb);
    expect(dice).toBeLessThan(0.95);
    expect(dice).toBeGreaterThan(0.6);
    expect(subjects[0].pose).not.toEqual(subjects[1].pose);
  });

  it('averages the three repeats into mean3', () => {
    const s = subjects[0];
    for (const i of [0, 1234, 100000, 200000]) {
      expect(s.mean3.data[i]).toBeCloseTo(
        (s.acquisitions[0].data[i] + s.acquisitions[1].data[i] + s.acquisitions[2].data[i]) / 3,
        3,
      );
    }
  });
});

describe('phantom parameters', () => {
  it('rejects what makes no sense, saying why', () => {
    expect(() => resolvePhantomParams({ matrix: 32, voxelSizeMm: 4 })).toThrow(/128 mm is too small a field of view/);
    expect(() => resolvePhantomParams({ snr: 0 })).toThrow(/snr must be a positive number/);
    expect(() => resolvePhantomParams({ lesions: { count: [3, 1] } })).toThrow(/lesions.count/);
    expect(() => resolvePhantomParams({ tubes: [{ concentrationMM: -5, side: 'left' }] })).toThrow(
      /tubes\[0\].concentrationMM/,
    );
    expect(() => generateSubject(params, -1)).toThrow(/subject index/);
  });

  it('works on other matrices (non-power-of-two included)', () => {
    const s = generateSubject(resolvePhantomParams({ matrix: 30, voxelSizeMm: 8.5, lesions: { count: [1, 1] } }), 0);
    expect(s.truth.dims).toEqual([30, 30, 30]);
    const brainTruth = mean(valuesWhere(s.truth.data, (i) => s.brainMask[i] === 1));
    expect(brainTruth / s.noiseSigma).toBeCloseTo(13, 6);
    expect((s.brainMask.reduce((a, v) => a + v, 0) * 8.5 ** 3) / 1e6).toBeGreaterThan(1.0);
  });
});
