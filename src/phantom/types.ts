// Types of the synthetic sodium phantom: its parameters and what one generated subject holds.
import type { Vec3, Volume } from '../core/volume';
import type { KspaceWindow } from './acquisition';

/** Per-voxel tissue labels (fine model grid and the acquisition grid alike). */
export const TISSUE_LABEL = {
  background: 0,
  scalp: 1,
  bone: 2,
  gm: 3,
  wm: 4,
  csf: 5,
  eye: 6,
  lesion: 7,
  tube: 8,
} as const;
export type TissueLabelName = keyof typeof TISSUE_LABEL;
export type TissueLabel = (typeof TISSUE_LABEL)[TissueLabelName];

/** Tissues whose sodium concentration is drawn per subject (lesions and tubes have their own). */
export type TissueName = 'scalp' | 'bone' | 'gm' | 'wm' | 'csf' | 'eye';
export const TISSUE_NAMES: readonly TissueName[] = ['scalp', 'bone', 'gm', 'wm', 'csf', 'eye'];

/** A concentration drawn from a normal distribution and clipped to a literature range. */
export interface ConcentrationRange {
  meanMM: number;
  sdMM: number;
  minMM: number;
  maxMM: number;
}

export type TubeSide = 'left' | 'right';

export type AnatomyVariant = 'default' | 'uniform-compartments' | 'fine-texture';
export const ANATOMY_VARIANTS: readonly AnatomyVariant[] = ['default', 'uniform-compartments', 'fine-texture'];

/** A calibration tube: a cylinder along z beside the head, fixed to the coil (it does not move with the head). */
export interface TubeSpec {
  concentrationMM: number;
  /** Patient left (+x in LPS) or right (−x). */
  side: TubeSide;
  /** Anterior–posterior position of its axis (LPS y, mm; 0 = centre of the field of view). */
  yMm?: number;
}

export interface PhantomParams {
  /** Cohort seed: subject i's anatomy, concentrations and noise all derive from (seed, i). */
  seed: number;
  /** Number of subjects in a cohort (sets the id width: sub-01 … or sub-001 …). */
  subjects: number;
  /** Acquisition matrix (cubic): matrix³ voxels. */
  matrix: number;
  /** Acquisition voxel size in mm (isotropic). matrix × voxelSizeMm is the field of view. */
  voxelSizeMm: number;
  /** The anatomy is modelled on a grid this many times finer, then low-pass sampled onto the acquisition grid. */
  oversampling: number;
  /** Brain SNR of one acquisition: mean noise-free brain signal / σ of each complex noise channel. */
  snr: number;
  /** Image units per mM of sodium (before coil sensitivity): 5 puts CSF near 700. */
  signalPerMM: number;
  /** Peak relative deviation of the smooth receive-sensitivity field (0.12 = ±12 %). */
  coilVariation: number;
  /** 'white' (default): independent per voxel. 'apodised': the noise passes the signal's k-space window (correlated). */
  noise: 'apodised' | 'white';
  /** The reconstruction's k-space window, applied to the signal (and to 'apodised' noise); default 'hamming'. */
  window: KspaceWindow;
  /**
   * Zero-filling factor of the reconstruction: matrix / zeroFill samples are acquired per axis and the image is
   * interpolated to matrix³ (2: 2 mm voxels of a 4 mm acquisition); noise then correlates even when 'white'. Default 1.
   */
  zeroFill: number;
  tissues: Record<TissueName, ConcentrationRange>;
  lesions: {
    /** Inclusive range of lesions per subject; [0, 0] turns them off. */
    count: [number, number];
    concentrationMM: [number, number];
    /** Range of each lesion ellipsoid's semi-axes. */
    radiusMm: [number, number];
  };
  tubes: TubeSpec[];
  tubeRadiusMm: number;
  tubeLengthMm: number;
  /** Distance of the tube axes from the midline (|x|). */
  tubeOffsetMm: number;
  anatomy: {
    /**
     * 'default': folded cortex, deep grey nuclei, cerebellar folia. 'uniform-compartments': the same head without
     * sulci, folia, nuclei or fissure (large uniform regions). 'fine-texture': the default head whose grey and white
     * matter concentrations vary by 12 % (RMS) on 5–12 mm scales, from below the voxel size to a few voxels.
     */
    variant: AnatomyVariant;
    /** Range of the overall head scale factor. */
    headScale: [number, number];
    /** Relative per-axis jitter of the head's proportions (0.04 = ±4 %). */
    aspectJitter: number;
    /** Maximum head rotation about x (pitch), y (roll) and z (yaw), degrees. */
    rotationDeg: Vec3;
    /** Maximum head translation along x, y, z, mm. */
    translationMm: Vec3;
    /** RMS displacement of the smooth random deformation field, mm. */
    deformationMm: number;
    /** Range of the ventricle size factor (ventricles enlarge with age). */
    ventricleScale: [number, number];
  };
}

/** Parameter overrides: any field, nested groups partially. */
export type PhantomParamsInput = Partial<Omit<PhantomParams, 'tissues' | 'lesions' | 'anatomy'>> & {
  tissues?: Partial<Record<TissueName, Partial<ConcentrationRange>>>;
  lesions?: Partial<PhantomParams['lesions']>;
  anatomy?: Partial<PhantomParams['anatomy']>;
};

export interface PhantomTube {
  /** Value in tubeMask. */
  label: number;
  concentrationMM: number;
  side: TubeSide;
  /** Axis position (LPS x, y) and axial extent (z from, to), mm. */
  centreMm: [number, number];
  zRangeMm: [number, number];
  radiusMm: number;
  /** Voxels of this tube in tubeMask. */
  voxels: number;
}

export interface PhantomLesion {
  /** Value in lesionMask. */
  label: number;
  concentrationMM: number;
  /** Centre in patient coordinates (LPS, mm). */
  centreMm: Vec3;
  radiiMm: Vec3;
  /** Volume modelled on the fine grid, millilitres. */
  volumeMl: number;
  /** Voxels of this lesion in lesionMask (can be 0 for a tiny lesion lost to partial volume). */
  voxels: number;
}

export interface PhantomPose {
  scale: Vec3;
  rotationDeg: Vec3;
  translationMm: Vec3;
  ventricleScale: number;
}

export interface PhantomSubject {
  /** sub-01, sub-02, … */
  id: string;
  index: number;
  /** Noise-free image on the acquisition grid (k-space low-pass of the fine model × coil sensitivity × signalPerMM). */
  truth: Volume;
  /** Three repeated magnitude acquisitions, independent complex Gaussian noise (Rician magnitudes). */
  acquisitions: [Volume, Volume, Volume];
  /** Mean of the three acquisitions: the paper's reference. */
  mean3: Volume;
  /** GM + WM + CSF + lesions inside the skull (≥ 50 % of the voxel), eyes, scalp and tubes excluded. */
  brainMask: Uint8Array;
  /** Lesion number (PhantomLesion.label) per voxel, 0 elsewhere. */
  lesionMask: Uint8Array;
  /** Tube number (PhantomTube.label) per voxel, 0 elsewhere. */
  tubeMask: Uint8Array;
  /** TISSUE_LABEL per voxel: the dominant tissue (brain tissues only inside brainMask, none of them outside). */
  labels: Uint8Array;
  tubes: PhantomTube[];
  lesions: PhantomLesion[];
  tissueConcentrationsMM: Record<TissueName, number>;
  /** σ of each complex noise channel, image units. */
  noiseSigma: number;
  snr: number;
  signalPerMM: number;
  pose: PhantomPose;
}
