// Morphology with ball radii in mm (dilate, erode, open, close) and hole filling.
import type { Mask } from '../volume';
import { atOrBelowMask, checkMask, not, type Dims } from './ops';
import type { KernelEngine } from '../simdModule';
import { borderVoxels, flood, floodSteps, growKernelAvailable } from './components';
import { squaredDistanceToMask } from './distance';

/** Dilation by a ball of `radiusMm`: voxels within radiusMm of the mask. */
export function dilate(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  if (!(radiusMm >= 0)) throw new Error(`dilation radius must be ≥ 0 mm, got ${radiusMm}`);
  const r2 = radiusMm * radiusMm * (1 + 1e-9);
  return atOrBelowMask(squaredDistanceToMask(mask, dims, spacing, r2), r2);
}

/**
 * Erosion by a ball of `radiusMm`: mask voxels farther than radiusMm from every background voxel.
 * Space beyond the grid counts as neither (a mask touching the edge is not eroded from it).
 */
export function erode(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  return not(dilate(not(mask), dims, spacing, radiusMm));
}

/** Opening (erode then dilate): removes parts thinner than about 2·radius. */
export function open(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  return dilate(erode(mask, dims, spacing, radiusMm), dims, spacing, radiusMm);
}

/** Closing (dilate then erode): bridges gaps narrower than about 2·radius. */
export function close(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  return erode(dilate(mask, dims, spacing, radiusMm), dims, spacing, radiusMm);
}

/** Fills cavities: background voxels not 6-connected to the grid's border become part of the mask. */
export function fillHoles(mask: Uint8Array, dims: Dims): Mask {
  checkMask(mask, dims);
  const outside = flood(not(mask), dims, borderVoxels(dims), 6);
  return not(outside);
}

/** Fills holes slice by slice along `axis` (2D, 4-connected background), for cavities open at the volume's ends. */
export function fillHolesSlices(
  mask: Uint8Array,
  dims: Dims,
  axis: 0 | 1 | 2 = 2,
  engine: KernelEngine = 'auto',
): Mask {
  checkMask(mask, dims);
  if (engine !== 'js' && growKernelAvailable()) return fillHolesSlicesAtOnce(mask, dims, axis);
  const out = new Uint8Array(mask);
  const [nx, ny] = dims;
  const axes = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  const [ua, va] = axes;
  const nu = dims[ua];
  const nv = dims[va];
  const stride = [1, nx, nx * ny];
  const su = stride[ua];
  const sv = stride[va];
  // Each slice is copied to a plain 2D grid first: the flood then steps by ±1 and ±nu with no index arithmetic.
  const blocked = new Uint8Array(nu * nv);
  const reached = new Uint8Array(nu * nv);
  const queue = new Int32Array(nu * nv);
  for (let s = 0; s < dims[axis]; s++) {
    const base = s * stride[axis];
    for (let v = 0; v < nv; v++) for (let u = 0; u < nu; u++) blocked[u + nu * v] = mask[base + u * su + v * sv];
    reached.fill(0);
    let head = 0;
    let tail = 0;
    for (let p = 0; p < nu * nv; p++) {
      const u = p % nu;
      const v = (p - u) / nu;
      if ((u === 0 || v === 0 || u === nu - 1 || v === nv - 1) && !blocked[p]) {
        reached[p] = 1;
        queue[tail++] = p;
      }
    }
    while (head < tail) {
      const p = queue[head++];
      const u = p % nu;
      const v = (p - u) / nu;
      if (u > 0 && !reached[p - 1] && !blocked[p - 1]) {
        reached[p - 1] = 1;
        queue[tail++] = p - 1;
      }
      if (u < nu - 1 && !reached[p + 1] && !blocked[p + 1]) {
        reached[p + 1] = 1;
        queue[tail++] = p + 1;
      }
      if (v > 0 && !reached[p - nu] && !blocked[p - nu]) {
        reached[p - nu] = 1;
        queue[tail++] = p - nu;
      }
      if (v < nv - 1 && !reached[p + nu] && !blocked[p + nu]) {
        reached[p + nu] = 1;
        queue[tail++] = p + nu;
      }
    }
    for (let v = 0; v < nv; v++) for (let u = 0; u < nu; u++) if (!reached[u + nu * v]) out[base + u * su + v * sv] = 1;
  }
  return out;
}

/**
 * fillHolesSlices as one flood of the whole grid whose steps stay inside the slice plane: every slice's own 2D flood
 * from its edges at once, on the region-growing kernel. The reached voxels, hence the result, are the same.
 */
function fillHolesSlicesAtOnce(mask: Uint8Array, dims: Dims, axis: 0 | 1 | 2): Mask {
  const [ua, va] = [0, 1, 2].filter((a) => a !== axis);
  const steps = new Int32Array(12);
  for (const [n, a, sign] of [
    [0, ua, -1],
    [1, ua, 1],
    [2, va, -1],
    [3, va, 1],
  ])
    steps[3 * n + a] = sign;
  const stride = [1, dims[0], dims[0] * dims[1]];
  const [nu, nv] = [dims[ua], dims[va]];
  const open = not(mask);
  // Each slice's edge: rows v = 0 and v = nv − 1, then columns u = 0 and u = nu − 1 between them. An Int32Array, as
  // borderVoxels gives, so the flood's seed loop sees one array type.
  const rowsV = nv > 1 ? [0, nv - 1] : [0];
  const colsU = nu > 1 ? [0, nu - 1] : [0];
  const seeds = new Int32Array(dims[axis] * (rowsV.length * nu + colsU.length * Math.max(0, nv - 2)));
  let n = 0;
  for (let w = 0; w < dims[axis]; w++) {
    const base = w * stride[axis];
    for (const v of rowsV) for (let u = 0; u < nu; u++) seeds[n++] = base + u * stride[ua] + v * stride[va];
    for (const u of colsU) for (let v = 1; v < nv - 1; v++) seeds[n++] = base + u * stride[ua] + v * stride[va];
  }
  const outside = floodSteps(open, dims, seeds, steps);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] || !outside[i] ? 1 : 0;
  return out;
}
