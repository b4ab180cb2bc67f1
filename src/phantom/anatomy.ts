// The canonical sodium head: which tissue lies at a point of a standard head (mm, LPS, origin mid-cerebrum),
// with a per-subject cortical folding pattern and a smooth deformation that makes each subject's shape its own.
import type { Vec3 } from '../core/volume';
import { Random } from './random';
import { TISSUE_LABEL, type TissueLabel } from './types';
import { abs, cos, max, min, sin, sqrt } from '../core/math';

/** Label numbers copied into a plain local object: hot loops read them millions of times. */
const L = { ...TISSUE_LABEL } as const;

/** Sizes of the standard head (semi-axes in mm: left–right, anterior–posterior, inferior–superior). */
const HEAD = {
  scalp: [76, 96, 100],
  skull: [70, 90, 94],
  intracranial: [63, 83, 87],
  brain: [60, 80, 84],
  /** The neck below the head: an elliptic cylinder (x, y semi-axes, y centre) from z = −45 to its bottom. */
  neck: { rx: 56, ry: 62, cy: 10, top: -45, bottom: -108 },
  /** Thickness of the skull base below the cranial floor. */
  baseMm: 9,
  /** Cortical ribbon thickness and the depth sulci reach. */
  cortexMm: 3,
  sulcusDepthMm: 14,
  eyes: { x: 32, y: -70, z: -36, r: 12 },
} as const;

/** An ellipsoid, optionally rotated about z: inside when its normalised radius is below 1. */
interface Ellipsoid {
  c: Vec3;
  r: Vec3;
  /** cos and sin of the rotation about z (1, 0 when not rotated). */
  cosYaw: number;
  sinYaw: number;
}

function ellipsoid(c: Vec3, r: Vec3, yaw = 0): Ellipsoid {
  return { c, r, cosYaw: cos(yaw), sinYaw: sin(yaw) };
}

function ellipsoidRadius(x: number, y: number, z: number, e: Ellipsoid): number {
  const dx = x - e.c[0],
    dy = y - e.c[1],
    dz = z - e.c[2];
  const u = e.cosYaw * dx + e.sinYaw * dy;
  const v = -e.sinYaw * dx + e.cosYaw * dy;
  return sqrt((u / e.r[0]) ** 2 + (v / e.r[1]) ** 2 + (dz / e.r[2]) ** 2);
}

function axisRadius(x: number, y: number, z: number, r: readonly number[]): number {
  return sqrt((x / r[0]) ** 2 + (y / r[1]) ** 2 + (z / r[2]) ** 2);
}

function smoothstep(t: number): number {
  const u = min(1, max(0, t));
  return u * u * (3 - 2 * u);
}

/** Height of the cranial floor: the anterior fossa sits high, the posterior fossa low. */
function cranialFloor(y: number): number {
  return -28 - 32 * smoothstep((y + 40) / 60);
}

/** A band-limited random field: a sum of plane waves with random directions, wavelengths and phases (unit variance). */
export class PlaneWaveField {
  private readonly k: Float64Array;
  private readonly phase: Float64Array;
  private readonly amp: Float64Array;

  constructor(rng: Random, waves: number, wavelengthMm: [number, number], rms = 1) {
    this.k = new Float64Array(3 * waves);
    this.phase = new Float64Array(waves);
    this.amp = new Float64Array(waves);
    for (let w = 0; w < waves; w++) {
      const dir = rng.unitVector();
      const kmag = (2 * Math.PI) / rng.uniform(wavelengthMm[0], wavelengthMm[1]);
      for (let a = 0; a < 3; a++) this.k[3 * w + a] = dir[a] * kmag;
      this.phase[w] = rng.uniform(0, 2 * Math.PI);
      this.amp[w] = rms * sqrt(2 / waves); // each cosine has variance 1/2
    }
  }

  at(x: number, y: number, z: number): number {
    let s = 0;
    const k = this.k;
    for (let w = 0; w < this.phase.length; w++) {
      s += this.amp[w] * cos(k[3 * w] * x + k[3 * w + 1] * y + k[3 * w + 2] * z + this.phase[w]);
    }
    return s;
  }
}

/** One subject's anatomy in canonical space: the standard head with its own folding and ventricle size. */
export class CanonicalHead {
  private readonly fold: PlaneWaveField;
  private readonly ventricles: Ellipsoid[];
  private readonly deepGrey: Ellipsoid[];

  /**
   * `uniform`: no sulci, folia, deep grey nuclei or interhemispheric fissure — large uniform compartments. The random
   * draws are the same either way, so a subject keeps its pose and ventricles across variants.
   */
  constructor(
    rng: Random,
    ventricleScale: number,
    private readonly uniform = false,
  ) {
    // Gyri are roughly 20–30 mm across; the field's zero set makes the sulcal sheets.
    this.fold = new PlaneWaveField(rng, 14, [18, 30]);
    const v = ventricleScale;
    // Lateral ventricles: the frontal horns lie close to the midline, the bodies diverge posteriorly.
    const lateral = (side: 1 | -1) =>
      ellipsoid([side * 9 * sqrt(v), 2, 14], [5 * v, 28 * (0.85 + 0.15 * v), 9 * v], -side * 0.3);
    this.ventricles = [
      lateral(1),
      lateral(-1),
      ellipsoid([0, 5, -2], [1.8 * v, 14, 10]), // third ventricle
      ellipsoid([0, 38, -46], [5, 4, 6]), // fourth ventricle
    ];
    this.deepGrey = [1, -1].flatMap((s) => [
      ellipsoid([s * 11, 8, 0], [8, 13, 9]), // thalamus
      ellipsoid([s * 14, -16, 12], [5, 9, 9]), // caudate head
      ellipsoid([s * 23, -4, 2], [6, 15, 10]), // lentiform nucleus
    ]);
  }

  /** The tissue label at canonical point (x, y, z), mm. */
  labelAt(x: number, y: number, z: number): TissueLabel {
    const floor = cranialFloor(y);
    const rIntra = axisRadius(x, y, z, HEAD.intracranial);
    if (rIntra < 1 && z > floor) return this.intracranialLabel(x, y, z, floor);
    const e = HEAD.eyes;
    if ((abs(x) - e.x) ** 2 + (y - e.y) ** 2 + (z - e.z) ** 2 < e.r * e.r) return L.eye;
    if (axisRadius(x, y, z, HEAD.skull) < 1 && z > floor - HEAD.baseMm) return L.bone;
    if (axisRadius(x, y, z, HEAD.scalp) < 1) return L.scalp;
    const n = HEAD.neck;
    if (z < n.top && z > n.bottom && (x / n.rx) ** 2 + ((y - n.cy) / n.ry) ** 2 < 1) return L.scalp;
    return L.background;
  }

  private intracranialLabel(x: number, y: number, z: number, floor: number): TissueLabel {
    const rBrain = axisRadius(x, y, z, HEAD.brain);
    const aboveFloor = z - (floor + 3);
    if (rBrain >= 1 || aboveFloor <= 0) return L.csf; // subarachnoid space
    for (const v of this.ventricles) if (ellipsoidRadius(x, y, z, v) < 1) return L.csf;
    const rCerebellum = axisRadius(x, y - 48, z + 45, [50, 32, 20]);
    if (rCerebellum < 1) {
      if (rCerebellum > 0.92) return L.csf; // cisterns and the tentorium around the cerebellum
      if (axisRadius(x, y - 42, z + 42, [20, 14, 9]) < 1 || this.uniform) return L.wm;
      // Folia are finer than gyri: the same field at a higher spatial frequency.
      return abs(this.fold.at(2.2 * x, 2.2 * y, 2.2 * z)) < 0.3 ? L.csf : L.gm;
    }
    if (axisRadius(x, y - 18, z + 55, [12, 13, 30]) < 1) return L.wm; // brainstem
    const depth = min((1 - rBrain) * 72, aboveFloor);
    if (this.uniform) return depth < HEAD.cortexMm ? L.gm : L.wm;
    for (const g of this.deepGrey) if (ellipsoidRadius(x, y, z, g) < 1) return L.gm;
    const ax = abs(x);
    if (ax < 4.5 && (z > 20 || abs(y) > 50)) return ax < 1.5 ? L.csf : L.gm; // interhemispheric fissure
    if (depth < HEAD.cortexMm) return L.gm;
    if (depth < HEAD.sulcusDepthMm + HEAD.cortexMm) {
      const f = abs(this.fold.at(x, y, z));
      if (f < 0.2 && depth < HEAD.sulcusDepthMm) return L.csf; // sulcal CSF, about 1.5 mm wide
      if (f < 0.9) return L.gm; // cortex lining the sulci
    }
    return L.wm;
  }
}

/** The canonical head's extent, for quick rejection of points far outside it. */
export const CANONICAL_BOUNDS = { x: 80, y: 100, zTop: 104, zBottom: -112 } as const;

/** A smooth random displacement field (mm): long-wavelength plane waves per component. */
export class SmoothDeformation {
  private readonly fields: [PlaneWaveField, PlaneWaveField, PlaneWaveField];

  constructor(rng: Random, rmsMm: number) {
    // Wavelengths of 80–160 mm with a few mm amplitude keep the map smooth and invertible (|∇d| well below 1).
    const component = () => new PlaneWaveField(rng, 4, [80, 160], rmsMm / sqrt(3));
    this.fields = [component(), component(), component()];
  }

  displace(x: number, y: number, z: number, out: Vec3): Vec3 {
    out[0] = x + this.fields[0].at(x, y, z);
    out[1] = y + this.fields[1].at(x, y, z);
    out[2] = z + this.fields[2].at(x, y, z);
    return out;
  }
}
