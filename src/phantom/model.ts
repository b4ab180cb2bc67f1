// One subject's fine-grid object: the posed, deformed canonical head, its lesions and the calibration tubes.
import type { Vec3 } from '../core/volume';
import { CANONICAL_BOUNDS, CanonicalHead, SmoothDeformation } from './anatomy';
import { Random } from './random';
import { TISSUE_LABEL, type PhantomLesion, type PhantomParams, type PhantomPose, type PhantomTube } from './types';
import { abs, ceil, cos, floor, hypot, max, min, sin, sqrt } from '../core/math';

/** Label numbers copied into a plain local object: hot loops read them millions of times. */
const L = { ...TISSUE_LABEL } as const;

/** A tube or lesion as modelled on the fine grid: everything but its voxel count on the acquisition grid. */
export type FineTube = Omit<PhantomTube, 'voxels'>;
export type FineLesion = Omit<PhantomLesion, 'voxels'>;

/** The object on the fine grid (n³ voxels of spacingMm, centred on the field of view, axes along LPS). */
export interface FineModel {
  n: number;
  spacingMm: number;
  /** TISSUE_LABEL per fine voxel. */
  labels: Uint8Array;
  /** Lesion or tube number of lesion and tube voxels, 0 elsewhere. */
  partIds: Uint8Array;
  tubes: FineTube[];
  lesions: FineLesion[];
  pose: PhantomPose;
}

/** LPS position (mm) of index m on an n-point axis of spacing h centred on 0. */
export function axisPosition(m: number, n: number, h: number): number {
  return (m - (n - 1) / 2) * h;
}

function samplePose(rng: Random, p: PhantomParams): PhantomPose {
  const a = p.anatomy;
  const s = rng.uniform(a.headScale[0], a.headScale[1]);
  const jitter = () => s * (1 + rng.uniform(-a.aspectJitter, a.aspectJitter));
  const sym = (m: number) => rng.uniform(-m, m);
  return {
    scale: [jitter(), jitter(), jitter()],
    rotationDeg: [sym(a.rotationDeg[0]), sym(a.rotationDeg[1]), sym(a.rotationDeg[2])],
    translationMm: [sym(a.translationMm[0]), sym(a.translationMm[1]), sym(a.translationMm[2])],
    ventricleScale: rng.uniform(a.ventricleScale[0], a.ventricleScale[1]),
  };
}

/** Row-major 3×3 rotation Rz(yaw) · Ry(roll) · Rx(pitch). */
function rotationMatrix([pitch, roll, yaw]: Vec3): number[] {
  const [a, b, c] = [pitch, roll, yaw].map((d) => (d * Math.PI) / 180);
  const [ca, sa, cb, sb, cc, sc] = [cos(a), sin(a), cos(b), sin(b), cos(c), sin(c)];
  return [
    cc * cb,
    cc * sb * sa - sc * ca,
    cc * sb * ca + sc * sa,
    sc * cb,
    sc * sb * sa + cc * ca,
    sc * sb * ca - cc * sa,
    -sb,
    cb * sa,
    cb * ca,
  ];
}

function placeTubes(p: PhantomParams): FineTube[] {
  return p.tubes.map((t, i) => ({
    label: i + 1,
    concentrationMM: t.concentrationMM,
    side: t.side,
    centreMm: [(t.side === 'left' ? 1 : -1) * p.tubeOffsetMm, t.yMm ?? 0],
    zRangeMm: [-p.tubeLengthMm / 2, p.tubeLengthMm / 2],
    radiusMm: p.tubeRadiusMm,
  }));
}

/** Renders one subject's labels on the fine grid: head (posed + deformed canonical anatomy), lesions, tubes. */
export function buildFineModel(p: PhantomParams, rngAnatomy: Random, rngLesions: Random): FineModel {
  const n = p.matrix * p.oversampling;
  const h = p.voxelSizeMm / p.oversampling;
  const pose = samplePose(rngAnatomy, p);
  const head = new CanonicalHead(rngAnatomy, pose.ventricleScale, p.anatomy.variant === 'uniform-compartments');
  const deformation = new SmoothDeformation(rngAnatomy, p.anatomy.deformationMm);
  const tubes = placeTubes(p);
  const map = canonicalMap(pose, deformation, n, h);
  const labels = new Uint8Array(n * n * n);
  const partIds = new Uint8Array(n * n * n);
  const row = new Float64Array(3 * n);
  for (let k = 0; k < n; k++) {
    const pz = axisPosition(k, n, h);
    for (let j = 0; j < n; j++) {
      const py = axisPosition(j, n, h);
      const base = n * (j + n * k);
      map.row(j, k, row);
      for (let i = 0; i < n; i++) {
        const x = row[3 * i],
          y = row[3 * i + 1],
          z = row[3 * i + 2];
        if (map.inside(x, y, z)) labels[base + i] = head.labelAt(x, y, z);
      }
      // Tubes are fixed in scanner space and override whatever the head put there (they never overlap it).
      for (const t of tubes) {
        const dy = py - t.centreMm[1];
        if (pz <= t.zRangeMm[0] || pz >= t.zRangeMm[1] || abs(dy) >= t.radiusMm) continue;
        const halfChord = sqrt(t.radiusMm ** 2 - dy * dy);
        const i0 = max(0, ceil((t.centreMm[0] - halfChord) / h + (n - 1) / 2));
        const i1 = min(n - 1, floor((t.centreMm[0] + halfChord) / h + (n - 1) / 2));
        for (let i = i0; i <= i1; i++) {
          const dx = axisPosition(i, n, h) - t.centreMm[0];
          if (dx * dx + dy * dy < t.radiusMm ** 2) {
            labels[base + i] = L.tube;
            partIds[base + i] = t.label;
          }
        }
      }
    }
  }
  const lesions = addLesions(p, rngLesions, n, h, labels, partIds);
  return { n, spacingMm: h, labels, partIds, tubes, lesions, pose };
}

/**
 * Subject space → canonical space: undo translation, rotation (Rᵀ) and scale, then deform. The map is smooth, so it is
 * computed on a lattice every LATTICE fine voxels and interpolated trilinearly (exact for its affine part).
 */
function canonicalMap(pose: PhantomPose, deformation: SmoothDeformation, n: number, h: number) {
  const LATTICE = 4;
  const R = rotationMatrix(pose.rotationDeg);
  const [sx, sy, sz] = pose.scale;
  const [tx, ty, tz] = pose.translationMm;
  const nl = ceil((n - 1) / LATTICE) + 2;
  const lattice = new Float64Array(3 * nl * nl * nl);
  const q: Vec3 = [0, 0, 0];
  for (let c = 0, t = 0; c < nl; c++) {
    for (let b = 0; b < nl; b++) {
      for (let a = 0; a < nl; a++, t += 3) {
        const dx = axisPosition(a * LATTICE, n, h) - tx;
        const dy = axisPosition(b * LATTICE, n, h) - ty;
        const dz = axisPosition(c * LATTICE, n, h) - tz;
        deformation.displace(
          (R[0] * dx + R[3] * dy + R[6] * dz) / sx,
          (R[1] * dx + R[4] * dy + R[7] * dz) / sy,
          (R[2] * dx + R[5] * dy + R[8] * dz) / sz,
          q,
        );
        lattice[t] = q[0];
        lattice[t + 1] = q[1];
        lattice[t + 2] = q[2];
      }
    }
  }
  const B = CANONICAL_BOUNDS;
  const line = new Float64Array(3 * nl);
  return {
    /**
     * Canonical points of the fine row (·, j, k) into out[3i..3i+2]: bilinear in (j, k) once per lattice column,
     * then linear along i.
     */
    row(j: number, k: number, out: Float64Array): void {
      const b = floor(j / LATTICE),
        c = floor(k / LATTICE);
      const fb = j / LATTICE - b,
        fc = k / LATTICE - c;
      const w00 = (1 - fb) * (1 - fc),
        w10 = fb * (1 - fc),
        w01 = (1 - fb) * fc,
        w11 = fb * fc;
      const o00 = 3 * nl * (b + nl * c),
        o10 = o00 + 3 * nl,
        o01 = o00 + 3 * nl * nl,
        o11 = o01 + 3 * nl;
      for (let t = 0; t < 3 * nl; t++) {
        line[t] = w00 * lattice[o00 + t] + w10 * lattice[o10 + t] + w01 * lattice[o01 + t] + w11 * lattice[o11 + t];
      }
      for (let i = 0; i < n; i++) {
        const a = floor(i / LATTICE);
        const fa = i / LATTICE - a;
        for (let d = 0; d < 3; d++) out[3 * i + d] = (1 - fa) * line[3 * a + d] + fa * line[3 * a + 3 + d];
      }
    },
    /** False for canonical points far outside the head (they stay background without evaluating the anatomy). */
    inside(x: number, y: number, z: number): boolean {
      return !(abs(x) > B.x + 4 || abs(y) > B.y + 4 || z > B.zTop + 4 || z < B.zBottom - 4);
    },
  };
}

/** Drops 'count' irregular ellipsoidal lesions into brain parenchyma (GM/WM only: they never replace CSF). */
function addLesions(
  p: PhantomParams,
  rng: Random,
  n: number,
  h: number,
  labels: Uint8Array,
  partIds: Uint8Array,
): FineLesion[] {
  const count = rng.int(p.lesions.count[0], p.lesions.count[1]);
  const lesions: FineLesion[] = [];
  for (let l = 1; l <= count; l++) {
    let centre = -1;
    for (let tries = 0; tries < 20000 && centre < 0; tries++) {
      const idx = rng.int(0, labels.length - 1);
      if (labels[idx] === L.wm || labels[idx] === L.gm) centre = idx;
    }
    if (centre < 0) throw new Error('phantom: found no brain parenchyma to place a lesion in');
    const ci = centre % n,
      cj = floor(centre / n) % n,
      ck = floor(centre / (n * n));
    const radii: Vec3 = [0, 1, 2].map(() => rng.uniform(p.lesions.radiusMm[0], p.lesions.radiusMm[1])) as Vec3;
    const R = rotationMatrix([rng.uniform(-90, 90), rng.uniform(-90, 90), rng.uniform(-90, 90)]);
    // Irregular outline: the radius is modulated by a smooth function of direction (±20 %).
    const bumps = [0, 1, 2].map(() => ({ dir: rng.unitVector(), phase: rng.uniform(0, 2 * Math.PI) }));
    const concentrationMM = rng.uniform(p.lesions.concentrationMM[0], p.lesions.concentrationMM[1]);
    const reach = ceil((max(...radii) * 1.25) / h);
    let voxels = 0;
    for (let dk = -reach; dk <= reach; dk++) {
      for (let dj = -reach; dj <= reach; dj++) {
        for (let di = -reach; di <= reach; di++) {
          const i = ci + di,
            j = cj + dj,
            k = ck + dk;
          if (i < 0 || j < 0 || k < 0 || i >= n || j >= n || k >= n) continue;
          const idx = i + n * (j + n * k);
          if (labels[idx] !== L.wm && labels[idx] !== L.gm) continue;
          const d = [di * h, dj * h, dk * h];
          const local = [0, 1, 2].map((a) => (R[a] * d[0] + R[3 + a] * d[1] + R[6 + a] * d[2]) / radii[a]);
          const r = hypot(local[0], local[1], local[2]);
          const len = hypot(d[0], d[1], d[2]) || 1;
          let bump = 0;
          for (const b of bumps)
            bump += cos((3 * (b.dir[0] * d[0] + b.dir[1] * d[1] + b.dir[2] * d[2])) / len + b.phase);
          if (r < 1 + 0.2 * (bump / 3)) {
            labels[idx] = L.lesion;
            partIds[idx] = l;
            voxels++;
          }
        }
      }
    }
    lesions.push({
      label: l,
      concentrationMM,
      centreMm: [axisPosition(ci, n, h), axisPosition(cj, n, h), axisPosition(ck, n, h)],
      radiiMm: radii,
      volumeMl: (voxels * h ** 3) / 1000,
    });
  }
  return lesions;
}
