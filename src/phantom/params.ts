// Default phantom parameters (literature sodium concentrations, scanner-like geometry) and their validation.
import type { PhantomParams, PhantomParamsInput, TissueName } from './types';
import { ANATOMY_VARIANTS, TISSUE_NAMES } from './types';
import { KSPACE_WINDOWS } from './acquisition';

/** The paper-sized cohort: 13 subjects, 64³ voxels of 4 mm, brain SNR ≈ 13 per acquisition, tubes of 50 and 100 mM. */
export const DEFAULT_PHANTOM_PARAMS: Readonly<PhantomParams> = Object.freeze({
  seed: 1,
  subjects: 13,
  matrix: 64,
  voxelSizeMm: 4,
  oversampling: 2,
  snr: 13,
  signalPerMM: 5,
  coilVariation: 0.12,
  // White: independent complex Gaussian noise per voxel, the model DIPY's NLM and the paper's DA training assume;
  // 'apodised' correlates neighbours (≈ 0.63 per axis) as a scanner that windows k-space would.
  noise: 'white',
  window: 'hamming',
  zeroFill: 1,
  // docs/sodium-mri.md: CSF/vitreous 135–145 mM, GM 35–45, WM 25–35, muscle/scalp 15–30, cortical bone low.
  tissues: {
    scalp: { meanMM: 22, sdMM: 3, minMM: 15, maxMM: 30 },
    bone: { meanMM: 8, sdMM: 2, minMM: 4, maxMM: 12 },
    gm: { meanMM: 40, sdMM: 2.5, minMM: 35, maxMM: 45 },
    wm: { meanMM: 30, sdMM: 2, minMM: 25, maxMM: 35 },
    csf: { meanMM: 140, sdMM: 2, minMM: 135, maxMM: 145 },
    eye: { meanMM: 140, sdMM: 2, minMM: 135, maxMM: 145 },
  },
  lesions: { count: [1, 3], concentrationMM: [60, 90], radiusMm: [6, 12] },
  tubes: [
    { concentrationMM: 50, side: 'left' },
    { concentrationMM: 100, side: 'right' },
  ],
  tubeRadiusMm: 9,
  tubeLengthMm: 120,
  tubeOffsetMm: 104,
  anatomy: {
    variant: 'default',
    headScale: [0.92, 1.06],
    aspectJitter: 0.04,
    rotationDeg: [10, 5, 8],
    translationMm: [6, 8, 6],
    deformationMm: 3,
    ventricleScale: [0.75, 1.5],
  },
} satisfies PhantomParams);

/** Default parameters overridden by `input` (nested groups merged), validated. */
export function resolvePhantomParams(input: PhantomParamsInput = {}): PhantomParams {
  const d = DEFAULT_PHANTOM_PARAMS;
  const tissues = Object.fromEntries(
    TISSUE_NAMES.map((t) => [t, { ...d.tissues[t], ...(input.tissues?.[t] ?? {}) }]),
  ) as Record<TissueName, PhantomParams['tissues'][TissueName]>;
  const params: PhantomParams = {
    ...d,
    ...input,
    tissues,
    lesions: { ...d.lesions, ...(input.lesions ?? {}) },
    anatomy: { ...d.anatomy, ...(input.anatomy ?? {}) },
    tubes: (input.tubes ?? d.tubes).map((t) => ({ ...t })),
  };
  validatePhantomParams(params);
  return params;
}

/** The smallest field of view that holds the head (with its variation) and the tubes. */
export function minimumFovMm(p: PhantomParams): number {
  return 2 * (p.tubeOffsetMm + p.tubeRadiusMm) + 8;
}

/** Throws one clear message for the first parameter that makes no sense. */
export function validatePhantomParams(p: PhantomParams): void {
  const fail = (msg: string) => {
    throw new Error(`phantom parameter ${msg}`);
  };
  const positive = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) fail(`${name} must be a positive number, got ${v}`);
  };
  const range = (name: string, r: readonly number[], lo = 0) => {
    if (!(r.length === 2 && r.every(Number.isFinite) && r[0] >= lo && r[0] <= r[1])) {
      fail(`${name} must be [min, max] with ${lo} ≤ min ≤ max, got [${r.join(', ')}]`);
    }
  };
  if (!Number.isInteger(p.seed)) fail(`seed must be an integer, got ${p.seed}`);
  if (!(Number.isInteger(p.subjects) && p.subjects >= 1))
    fail(`subjects must be a positive integer, got ${p.subjects}`);
  if (!(Number.isInteger(p.matrix) && p.matrix >= 8 && p.matrix <= 256))
    fail(`matrix must be an integer in 8..256, got ${p.matrix}`);
  if (!(Number.isInteger(p.oversampling) && p.oversampling >= 1 && p.oversampling <= 4)) {
    fail(`oversampling must be an integer in 1..4, got ${p.oversampling}`);
  }
  if (p.matrix * p.oversampling > 512) {
    fail(
      `matrix × oversampling = ${p.matrix * p.oversampling} exceeds the 512³ model grid this generator holds in memory`,
    );
  }
  positive('voxelSizeMm', p.voxelSizeMm);
  positive('snr', p.snr);
  positive('signalPerMM', p.signalPerMM);
  if (!(p.coilVariation >= 0 && p.coilVariation < 0.5))
    fail(`coilVariation must lie in [0, 0.5), got ${p.coilVariation}`);
  if (p.noise !== 'apodised' && p.noise !== 'white')
    fail(`noise must be 'apodised' or 'white', got ${String(p.noise)}`);
  if (!KSPACE_WINDOWS.includes(p.window))
    fail(`window must be one of ${KSPACE_WINDOWS.join(', ')}, got ${String(p.window)}`);
  if (!(Number.isInteger(p.zeroFill) && p.zeroFill >= 1 && p.zeroFill <= 4 && p.matrix % p.zeroFill === 0))
    fail(`zeroFill must be an integer in 1..4 dividing the matrix (${p.matrix}), got ${p.zeroFill}`);
  if (!ANATOMY_VARIANTS.includes(p.anatomy.variant))
    fail(`anatomy.variant must be one of ${ANATOMY_VARIANTS.join(', ')}, got ${String(p.anatomy.variant)}`);
  for (const t of TISSUE_NAMES) {
    const c = p.tissues[t];
    if (
      ![c.meanMM, c.sdMM, c.minMM, c.maxMM].every(Number.isFinite) ||
      c.sdMM < 0 ||
      c.minMM < 0 ||
      c.minMM > c.maxMM
    ) {
      fail(`tissues.${t} must have finite mean/sd ≥ 0 and 0 ≤ min ≤ max`);
    }
  }
  range('lesions.count', p.lesions.count);
  if (!p.lesions.count.every(Number.isInteger) || p.lesions.count[1] > 20) fail('lesions.count must be integers ≤ 20');
  range('lesions.concentrationMM', p.lesions.concentrationMM);
  range('lesions.radiusMm', p.lesions.radiusMm, 1);
  if (p.tubes.length > 8) fail(`tubes: at most 8 tubes, got ${p.tubes.length}`);
  p.tubes.forEach((t, i) => {
    if (!(Number.isFinite(t.concentrationMM) && t.concentrationMM >= 0))
      fail(`tubes[${i}].concentrationMM must be ≥ 0`);
    if (t.side !== 'left' && t.side !== 'right')
      fail(`tubes[${i}].side must be 'left' or 'right', got ${String(t.side)}`);
  });
  positive('tubeRadiusMm', p.tubeRadiusMm);
  positive('tubeLengthMm', p.tubeLengthMm);
  range('anatomy.headScale', p.anatomy.headScale, 0.5);
  range('anatomy.ventricleScale', p.anatomy.ventricleScale, 0.3);
  const fov = p.matrix * p.voxelSizeMm;
  if (fov < minimumFovMm(p)) {
    fail(
      `matrix × voxelSizeMm = ${fov} mm is too small a field of view for the head and tubes (need ≥ ${minimumFovMm(p)} mm)`,
    );
  }
}
