// Connectivity: breadth-first region growing, flood fill, connected components.
import { floor } from '../math';
import { instanceWithMemory, lazySimdModule, type KernelEngine } from '../simdModule';
import type { Mask } from '../volume';
import { GROW_WASM_BASE64 } from './grow-wasm';
import { checkMask, type Dims } from './ops';

export type Connectivity = 6 | 26;

/** Neighbour steps as flat (di, dj, dk) triples: one typed array, read without iterators in the BFS's inner loop. */
function neighbourOffsets(connectivity: Connectivity): Int32Array {
  const offs: number[] = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const manhattan = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (manhattan === 0) continue;
        if (connectivity === 6 && manhattan > 1) continue;
        offs.push(di, dj, dk);
      }
  return Int32Array.from(offs);
}

/**
 * Breadth-first region growing, the one BFS of the mask code: from the voxels in queue[0, tail), marks every voxel
 * reachable through `allowed` voxels that `marks` does not hold yet with `label`, and enqueues it.
 * Voxels off the grid's faces skip the per-neighbour bounds test (most of a head's voxels), which with the flat
 * offsets makes a cold 64³ fill about 3× faster: every command runs these once per volume, before V8 has warmed up.
 * @returns the new tail: queue[0, tail) holds every voxel of the region, seeds first
 */
function growRegion(
  allowed: Uint8Array,
  marks: Uint8Array | Int32Array,
  label: number,
  dims: Dims,
  offs: Int32Array,
  queue: Int32Array,
  tail: number,
): number {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const count = offs.length / 3;
  const step = new Int32Array(count);
  for (let o = 0; o < count; o++) step[o] = offs[3 * o] + nx * (offs[3 * o + 1] + ny * offs[3 * o + 2]);
  let head = 0;
  while (head < tail) {
    const idx = queue[head++];
    const k = floor(idx / nxy);
    const rest = idx - k * nxy;
    const j = floor(rest / nx);
    const i = rest - j * nx;
    const inner = i > 0 && j > 0 && k > 0 && i < nx - 1 && j < ny - 1 && k < nz - 1;
    for (let o = 0; o < count; o++) {
      if (!inner) {
        const a = i + offs[3 * o],
          b = j + offs[3 * o + 1],
          c = k + offs[3 * o + 2];
        if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
      }
      const n = idx + step[o];
      if (allowed[n] && !marks[n]) {
        marks[n] = label;
        queue[tail++] = n;
      }
    }
  }
  return tail;
}

/** Flood fill from seeds over voxels where `allowed` is set; returns the reached voxels. */
export function flood(
  allowed: Uint8Array,
  dims: Dims,
  seeds: ArrayLike<number>,
  connectivity: Connectivity,
  engine: KernelEngine = 'auto',
): Mask {
  return floodSteps(allowed, dims, seeds, neighbourOffsets(connectivity), engine);
}

/** flood with explicit neighbour steps ((di, dj, dk) triples): fillHolesSlices grows within slices this way. */
export function floodSteps(
  allowed: Uint8Array,
  dims: Dims,
  seeds: ArrayLike<number>,
  offs: Int32Array,
  engine: KernelEngine = 'auto',
): Mask {
  const grower = engine === 'js' ? null : RegionGrower.create(dims, offs, false);
  const reached = new Uint8Array(allowed.length);
  if (grower) {
    grower.allowed.set(allowed);
    grower.grow(1, enqueueSeeds(allowed, seeds, grower.marks, grower.queue));
    const marks = grower.marks;
    for (let i = 0; i < reached.length; i++) reached[i] = marks[i] === 0 ? 0 : 1;
    return reached;
  }
  const queue = new Int32Array(allowed.length);
  growRegion(allowed, reached, 1, dims, offs, queue, enqueueSeeds(allowed, seeds, reached, queue));
  return reached;
}

/** Marks (with 1) and enqueues each seed that is allowed and not marked yet; returns the queue's tail. */
function enqueueSeeds(
  allowed: Uint8Array,
  seeds: ArrayLike<number>,
  marks: Uint8Array | Int32Array,
  queue: Int32Array,
): number {
  let tail = 0;
  for (let n = 0; n < seeds.length; n++) {
    const s = seeds[n];
    if (allowed[s] && !marks[s]) {
      marks[s] = 1;
      queue[tail++] = s;
    }
  }
  return tail;
}

/** Indices of the voxels on the grid's six faces, each once (in index order). */
export function borderVoxels(dims: Dims): Int32Array {
  const [nx, ny, nz] = dims;
  const out = new Int32Array(nx * ny * nz - Math.max(0, nx - 2) * Math.max(0, ny - 2) * Math.max(0, nz - 2));
  let n = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      const row = nx * (j + ny * k);
      if (k === 0 || j === 0 || k === nz - 1 || j === ny - 1) for (let i = 0; i < nx; i++) out[n++] = row + i;
      else {
        out[n++] = row;
        if (nx > 1) out[n++] = row + nx - 1;
      }
    }
  return out;
}

export interface Components {
  /** 0 = background, 1..count = component label, ordered by decreasing size. */
  labels: Int32Array;
  /** sizes[l - 1] = voxel count of label l. */
  sizes: number[];
}

/** Labels connected components, largest first. */
export function connectedComponents(
  mask: Uint8Array,
  dims: Dims,
  connectivity: Connectivity = 6,
  engine: KernelEngine = 'auto',
): Components {
  const { raw, rawSizes } = rawComponents(mask, dims, connectivity, engine);
  const order = rawSizes.map((_, i) => i).sort((a, b) => rawSizes[b] - rawSizes[a] || a - b);
  const remap = new Int32Array(rawSizes.length + 1);
  order.forEach((old, rank) => (remap[old + 1] = rank + 1));
  const labels = new Int32Array(mask.length);
  for (let i = 0; i < raw.length; i++) labels[i] = remap[raw[i]];
  return { labels, sizes: order.map((o) => rawSizes[o]) };
}

/** The largest connected component (empty mask in, empty mask out); ties go to the one found first. */
export function largestComponent(
  mask: Uint8Array,
  dims: Dims,
  connectivity: Connectivity = 6,
  engine: KernelEngine = 'auto',
): Mask {
  const { raw, rawSizes } = rawComponents(mask, dims, connectivity, engine);
  const out = new Uint8Array(mask.length);
  if (rawSizes.length === 0) return out;
  let best = 0;
  for (let l = 1; l < rawSizes.length; l++) if (rawSizes[l] > rawSizes[best]) best = l;
  const label = best + 1;
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] === label ? 1 : 0;
  return out;
}

/** Components labelled 1, 2, … in the order their first voxel comes (index order), with their sizes. */
function rawComponents(
  mask: Uint8Array,
  dims: Dims,
  connectivity: Connectivity,
  engine: KernelEngine,
): { raw: Int32Array; rawSizes: number[] } {
  checkMask(mask, dims);
  const offs = neighbourOffsets(connectivity);
  const grower = engine === 'js' ? null : RegionGrower.create(dims, offs, true);
  if (grower) {
    grower.allowed.set(mask);
    const count = grower.label();
    return { raw: grower.marks.slice(), rawSizes: Array.from(grower.sizes.subarray(0, count)) };
  }
  const raw = new Int32Array(mask.length);
  const rawSizes: number[] = [];
  const queue = new Int32Array(mask.length);
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || raw[s]) continue;
    const label = rawSizes.length + 1;
    raw[s] = label;
    queue[0] = s;
    rawSizes.push(growRegion(mask, raw, label, dims, offs, queue, 1));
  }
  return { raw, rawSizes };
}

/** The region-growing kernel's compiled module (null without WebAssembly: growRegion runs). */
const growModule = lazySimdModule(GROW_WASM_BASE64);

/** Whether flood fills and components run on WebAssembly here (Node 20 and every current browser). */
export function growKernelAvailable(): boolean {
  return growModule() !== null;
}

interface GrowKernel {
  memory: WebAssembly.Memory;
  grow(...args: number[]): number;
  label(...args: number[]): number;
}

/**
 * One instance of grow.wat laid out for a grid: allowed (u8), marks (i32, 0 = unmarked), the queue, the
 * component sizes (only when made for labelling: a flood needs none) and the neighbour steps, each a view on the
 * instance's memory.
 */
class RegionGrower {
  private constructor(
    private readonly kernel: GrowKernel,
    private readonly dims: Dims,
    private readonly at: {
      marks: number;
      queue: number;
      sizes: number;
      offs: number;
      count: number;
      forLabels: boolean;
    },
    readonly allowed: Uint8Array,
    readonly marks: Int32Array,
    readonly queue: Int32Array,
    readonly sizes: Int32Array,
  ) {}

  static create(dims: Dims, offs: Int32Array, forLabels: boolean): RegionGrower | null {
    const mod = growModule();
    if (!mod) return null;
    const n = dims[0] * dims[1] * dims[2];
    const marks = (n + 3) & ~3;
    const queue = marks + 4 * n;
    const sizes = queue + 4 * n;
    const sizeCount = forLabels ? n : 0;
    const offsAt = sizes + 4 * sizeCount;
    const total = offsAt + 4 * offs.length;
    const kernel = instanceWithMemory<GrowKernel>(mod, total);
    if (!kernel) return null;
    const heap = kernel.memory.buffer;
    new Int32Array(heap, offsAt, offs.length).set(offs);
    return new RegionGrower(
      kernel,
      dims,
      { marks, queue, sizes, offs: offsAt, count: offs.length / 3, forLabels },
      new Uint8Array(heap, 0, n),
      new Int32Array(heap, marks, n),
      new Int32Array(heap, queue, n),
      new Int32Array(heap, sizes, sizeCount),
    );
  }

  /** growRegion on the kernel: from queue[0, tail), marks what the steps reach with `label`; returns the new tail. */
  grow(label: number, tail: number): number {
    const [nx, ny, nz] = this.dims;
    const { marks, queue, offs, count } = this.at;
    return this.kernel.grow(0, marks, label, queue, tail, nx, ny, nz, offs, count);
  }

  /** Labels every component of `allowed` in index order (marks) with its size (sizes); returns how many. */
  label(): number {
    if (!this.at.forLabels) throw new Error('RegionGrower.label needs a grower made for labels');
    const [nx, ny, nz] = this.dims;
    const { marks, queue, sizes, offs, count } = this.at;
    return this.kernel.label(0, marks, queue, sizes, nx, ny, nz, offs, count);
  }
}
