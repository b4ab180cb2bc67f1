// generateSubject: one synthetic sodium subject (truth, three noisy repeats, their mean, masks) from (params, index).
import { createVolume, type Volume } from '../core/volume';
import { applySeparable, lowPassResampler, magnitudeAcquisition, noiseSpectrum } from './acquisition';
import { PlaneWaveField } from './anatomy';
import { downsampleMasks } from './masks';
import { axisPosition, buildFineModel, type FineModel } from './model';
import { validatePhantomParams } from './params';
import { Random, deriveSeed } from './random';
import { TISSUE_LABEL, TISSUE_NAMES, type PhantomParams, type PhantomSubject, type TissueName } from './types';
import { abs, max, min } from '../core/math';

/** Label numbers copied into a plain local object: hot loops read them millions of times. */
const L = { ...TISSUE_LABEL } as const;
const LESION = L.lesion;

/** sub-01, sub-02, … (three digits from 100 subjects on, so names sort in order). */
export function subjectId(index: number, subjects: number): string {
  return `sub-${String(index + 1).padStart(max(2, String(subjects).length), '0')}`;
}

function drawConcentrations(p: PhantomParams, rng: Random): Record<TissueName, number> {
  const draw = (t: TissueName) => {
    const c = p.tissues[t];
    return min(c.maxMM, max(c.minMM, c.meanMM + c.sdMM * rng.normal()));
  };
  const out = Object.fromEntries(TISSUE_NAMES.map((t) => [t, draw(t)])) as Record<TissueName, number>;
  // Grey matter holds more sodium than white matter in every subject; redraw the rare inverted pair.
  for (let tries = 0; tries < 100 && out.gm < out.wm + 4 && p.tissues.gm.meanMM > p.tissues.wm.meanMM; tries++) {
    out.gm = draw('gm');
    out.wm = draw('wm');
  }
  return out;
}

function concentrationMap(model: FineModel, tissue: Record<TissueName, number>): Float64Array {
  const byLabel = new Float64Array(9);
  byLabel[L.scalp] = tissue.scalp;
  byLabel[L.bone] = tissue.bone;
  byLabel[L.gm] = tissue.gm;
  byLabel[L.wm] = tissue.wm;
  byLabel[L.csf] = tissue.csf;
  byLabel[L.eye] = tissue.eye;
  const lesionMM = Float64Array.from([0, ...model.lesions.map((l) => l.concentrationMM)]);
  const tubeMM = Float64Array.from([0, ...model.tubes.map((t) => t.concentrationMM)]);
  const labels = model.labels;
  const parts = model.partIds;
  const out = new Float64Array(labels.length);
  for (let i = 0; i < out.length; i++) {
    const part = parts[i];
    out[i] = part === 0 ? byLabel[labels[i]] : labels[i] === LESION ? lesionMM[part] : tubeMM[part];
  }
  return out;
}

/**
 * RMS relative variation and wavelengths (mm) of the 'fine-texture' variant's grey/white matter texture: from below
 * the default voxel (4 mm) to three voxels, so part of it survives the acquisition's blur and part does not.
 */
const TEXTURE_RMS = 0.12;
const TEXTURE_WAVELENGTH_MM: [number, number] = [5, 12];

/** Multiplies grey and white matter concentrations by 1 + a band-limited random field (RMS 12 %, 5–12 mm waves). */
function addTexture(concentration: Float64Array, model: FineModel, rng: Random): void {
  const field = new PlaneWaveField(rng, 48, TEXTURE_WAVELENGTH_MM, TEXTURE_RMS);
  const { n, spacingMm: h, labels } = model;
  for (let k = 0, idx = 0; k < n; k++) {
    const z = axisPosition(k, n, h);
    for (let j = 0; j < n; j++) {
      const y = axisPosition(j, n, h);
      for (let i = 0; i < n; i++, idx++) {
        if (labels[idx] !== L.gm && labels[idx] !== L.wm) continue;
        concentration[idx] *= max(0, 1 + field.at(axisPosition(i, n, h), y, z));
      }
    }
  }
}

/** Smooth receive sensitivity on the acquisition grid, 1 ± coilVariation at its extremes. */
function coilSensitivity(p: PhantomParams, rng: Random): Float64Array {
  const m = p.matrix;
  const field = new PlaneWaveField(rng, 3, [300, 600]);
  const g = new Float64Array(m * m * m);
  let mean = 0;
  for (let k = 0, idx = 0; k < m; k++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < m; i++, idx++) {
        g[idx] = field.at(
          axisPosition(i, m, p.voxelSizeMm),
          axisPosition(j, m, p.voxelSizeMm),
          axisPosition(k, m, p.voxelSizeMm),
        );
        mean += g[idx];
      }
    }
  }
  mean /= g.length;
  let peak = 0;
  for (let i = 0; i < g.length; i++) peak = max(peak, abs(g[i] - mean));
  for (let i = 0; i < g.length; i++) g[i] = 1 + (p.coilVariation * (g[i] - mean)) / (peak || 1);
  return g;
}

/** The acquisition grid: matrix³ voxels centred on the scanner's origin, axial, LPS axes. */
export function acquisitionGrid(p: PhantomParams, data: Float32Array): Volume {
  const m = p.matrix;
  const o = axisPosition(0, m, p.voxelSizeMm);
  return createVolume({
    dims: [m, m, m],
    spacing: [p.voxelSizeMm, p.voxelSizeMm, p.voxelSizeMm],
    origin: [o, o, o],
    data,
  });
}

/** Generates subject `subjectIndex` (0-based) of the cohort `params` describes; the same inputs give the same subject. */
export function generateSubject(params: PhantomParams, subjectIndex: number): PhantomSubject {
  validatePhantomParams(params);
  if (!(Number.isInteger(subjectIndex) && subjectIndex >= 0))
    throw new Error(`subject index must be an integer ≥ 0, got ${subjectIndex}`);
  const p = params;
  const stream = (name: string) => new Random(deriveSeed(p.seed, subjectIndex, name));
  const model = buildFineModel(p, stream('anatomy'), stream('lesions'));
  const tissue = drawConcentrations(p, stream('concentrations'));

  const m = p.matrix;
  const n = model.n;
  const recon = { window: p.window, zeroFill: p.zeroFill };
  const concentration = concentrationMap(model, tissue);
  if (p.anatomy.variant === 'fine-texture') addTexture(concentration, model, stream('texture'));
  const blurred = applySeparable(concentration, [n, n, n], lowPassResampler(m, p.oversampling, recon));
  const coil = coilSensitivity(p, stream('coil'));
  const signed = new Float32Array(m * m * m);
  const truthData = new Float32Array(m * m * m);
  for (let i = 0; i < signed.length; i++) {
    signed[i] = blurred[i] * p.signalPerMM * coil[i];
    truthData[i] = abs(signed[i]); // the noise-free magnitude image (window ringing can dip below 0 in air)
  }
  const masks = downsampleMasks(model, m, p.oversampling);

  let brainSum = 0;
  let brainCount = 0;
  for (let i = 0; i < truthData.length; i++) {
    if (masks.brainMask[i]) {
      brainSum += truthData[i];
      brainCount++;
    }
  }
  if (brainCount === 0) throw new Error('phantom: the brain mask is empty (matrix too coarse?)');
  const noiseSigma = brainSum / brainCount / p.snr;
  const rngNoise = stream('noise');
  const spectrum = noiseSpectrum(m, p.noise === 'apodised', recon);
  const acquisitions = [0, 1, 2].map(() =>
    acquisitionGrid(p, magnitudeAcquisition(signed, m, noiseSigma, rngNoise, spectrum)),
  ) as PhantomSubject['acquisitions'];
  const meanData = new Float32Array(m * m * m);
  for (let i = 0; i < meanData.length; i++)
    meanData[i] = (acquisitions[0].data[i] + acquisitions[1].data[i] + acquisitions[2].data[i]) / 3;

  const countOf = (mask: Uint8Array, label: number) => mask.reduce((s, v) => s + (v === label ? 1 : 0), 0);
  return {
    id: subjectId(subjectIndex, p.subjects),
    index: subjectIndex,
    truth: acquisitionGrid(p, truthData),
    acquisitions,
    mean3: acquisitionGrid(p, meanData),
    brainMask: masks.brainMask,
    lesionMask: masks.lesionMask,
    tubeMask: masks.tubeMask,
    labels: masks.labels,
    tubes: model.tubes.map((t) => ({ ...t, voxels: countOf(masks.tubeMask, t.label) })),
    lesions: model.lesions.map((l) => ({ ...l, voxels: countOf(masks.lesionMask, l.label) })),
    tissueConcentrationsMM: tissue,
    noiseSigma,
    snr: p.snr,
    signalPerMM: p.signalPerMM,
    pose: model.pose,
  };
}
