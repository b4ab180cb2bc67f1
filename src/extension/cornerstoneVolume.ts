// Cornerstone3D ↔ our Volume: load a display set's volume fully, read its voxels in full precision (slice by slice,
// the integration note's SAFE READ), and cache a derived Float32 volume on the source grid for display.
import { cache, volumeLoader, imageLoader, eventTarget, Enums, metaData } from '@cornerstonejs/core';
import type { Types } from '@cornerstonejs/core';
import type { DisplaySet, ExtensionManager } from './ohif';
import { createVolume, type Mat3, type Vec3, type Volume } from '../core/volume';

/** The volume of a display set as the engine sees it, plus what display and Save need to refer back to it. */
export interface LoadedSeriesVolume {
  volume: Volume;
  volumeId: string;
  /** Image ids in slice order (k = 0 first). */
  imageIds: string[];
  /** SOP Instance UID of each slice, in slice order (for DICOM references). */
  sopInstanceUids: string[];
  sopClassUid: string;
  csVolume: Types.IImageVolume;
  /** 1-based slices whose streamed pixels differed from a fresh read and were replaced by it. */
  replacedSlices?: number[];
}

export function volumeIdFor(ds: DisplaySet): string {
  return `${ds.volumeLoaderSchema ?? 'cornerstoneStreamingImageVolume'}:${ds.displaySetInstanceUID}`;
}

/** The image ids a display set's volume is made of (the display set's own, else the active data source's). */
export function imageIdsOf(ds: DisplaySet, extensionManager: ExtensionManager): string[] {
  if (ds.imageIds?.length) return ds.imageIds;
  const [dataSource] = extensionManager.getActiveDataSource();
  const ids = dataSource?.getImageIdsForDisplaySet(ds) ?? [];
  if (!ids.length) throw new Error(`Series "${ds.SeriesDescription ?? ds.SeriesInstanceUID}" has no images to load`);
  return ids;
}

/** Resolves when every frame of the volume is in the cache; starts loading if nothing does. */
function whenFullyLoaded(vol: Types.IImageVolume, signal?: AbortSignal): Promise<void> {
  const status = (vol as { loadStatus?: { loaded?: boolean; loading?: boolean } }).loadStatus;
  if (status?.loaded) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onDone = (evt: Event) => {
      const detail = (evt as CustomEvent<{ volumeId?: string }>).detail;
      if (detail?.volumeId !== vol.volumeId) return;
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason ?? new DOMException('Cancelled', 'AbortError'));
    };
    const cleanup = () => {
      eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onDone);
      signal?.removeEventListener('abort', onAbort);
    };
    eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onDone);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (!status?.loading) {
      const streaming = vol as unknown as { load?: (cb?: unknown) => unknown };
      streaming.load?.();
    }
    // A volume that finished between our status check and the listener: re-check once.
    if ((vol as { loadStatus?: { loaded?: boolean } }).loadStatus?.loaded)
      onDone(new CustomEvent('x', { detail: { volumeId: vol.volumeId } }));
  });
}

/** Pixel values of a decoded slice in modality units (rescale applied unless the loader pre-scaled them). */
function modalityValues(image: Types.IImage, into: Float32Array, offset: number): void {
  const slice = (image.voxelManager?.getScalarData() ?? image.getPixelData()) as ArrayLike<number>;
  const scaled = image.preScale?.scaled ?? false;
  const slope = scaled ? 1 : (image.slope ?? 1);
  const intercept = scaled ? 0 : (image.intercept ?? 0);
  if (slope === 1 && intercept === 0) into.set(slice, offset);
  else for (let i = 0; i < slice.length; i++) into[offset + i] = slice[i] * slope + intercept;
}

/** Decodes one slice straight from its source (WADO-RS frame or file), bypassing the streamed cache. */
function freshImage(imageId: string): Promise<Types.IImage> {
  // No pre-scaling: the loader may store rescaled values in an integer array (a slope of 0.25 lost up to 0.75);
  // the raw stored values are exact and modalityValues applies slope and intercept in float.
  const options = {
    priority: 0,
    requestType: Enums.RequestType.Prefetch,
    ignoreCache: true,
    preScale: { enabled: false },
  };
  return imageLoader.loadImage(imageId, options as unknown as Parameters<typeof imageLoader.loadImage>[1]);
}

/** Runs `fn` over 0..n-1 with at most `limit` in flight. */
async function forEachLimited(
  n: number,
  limit: number,
  fn: (k: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      signal?.throwIfAborted();
      await fn(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Throws unless slice k's Image Position (Patient) lies at origin + k·Δz along the normal (0.1 % of a slice). */
function checkPositions(csVolume: Types.IImageVolume, imageIds: readonly string[]): void {
  const { origin, spacing, direction } = csVolume;
  const normal = [direction[6], direction[7], direction[8]];
  const tol = 1e-3 * Math.max(spacing[2], 1e-3) + 1e-3;
  imageIds.forEach((id, k) => {
    const plane = metaData.get('imagePlaneModule', id) as { imagePositionPatient?: number[] } | undefined;
    const ipp = plane?.imagePositionPatient;
    if (!ipp || ipp.length !== 3) throw new Error(`Slice ${k + 1} has no Image Position (Patient)`);
    const off = [0, 1, 2].map((c) => Math.abs(ipp[c] - (origin[c] + k * spacing[2] * normal[c])));
    if (Math.max(...off) > tol) {
      throw new Error(
        `Slice ${k + 1} is ${Math.max(...off).toFixed(3)} mm off its place in the volume: the slices are not one evenly spaced stack`,
      );
    }
  });
}

/**
 * Creates (or reuses OHIF's) cached volume of the display set, then reads every slice in full precision straight from
 * its source and verifies the result: the slice count equals the series' images, each slice sits at its place in
 * the volume, and each freshly decoded frame replaces a streamed slice that differs from it. OHIF streams volumes
 * progressively and fills frames not yet fetched with a neighbour's pixels (Cornerstone's "nearby frames"); such a
 * placeholder can outlive the load under a real PACS, so streamed pixels are never trusted for computation.
 * @example const { volume } = await loadSeriesVolume(displaySet, extensionManager, abort.signal)
 */
export async function loadSeriesVolume(
  ds: DisplaySet,
  extensionManager: ExtensionManager,
  signal?: AbortSignal,
  opts: { display?: boolean } = {},
): Promise<LoadedSeriesVolume> {
  const volumeId = volumeIdFor(ds);
  const csVolume =
    cache.getVolume(volumeId) ??
    (await volumeLoader.createAndCacheVolume(volumeId, { imageIds: imageIdsOf(ds, extensionManager) }));
  // The source is shown in the comparison: let its streamed volume finish. Repeats are only read, never streamed.
  if (opts.display !== false) await whenFullyLoaded(csVolume, signal);
  signal?.throwIfAborted();

  const [nx, ny, nz] = csVolume.dimensions;
  const imageIds = csVolume.imageIds;
  const expected = ds.numImageFrames ?? ds.instances?.length ?? nz;
  if (imageIds.length !== nz || nz !== expected) {
    throw new Error(`The volume has ${nz} slices but the series has ${expected} images: reload the study and retry`);
  }
  checkPositions(csVolume, imageIds);
  const data = new Float32Array(nx * ny * nz);
  const replacedSlices: number[] = [];
  const streamed = new Float32Array(nx * ny);
  await forEachLimited(
    nz,
    6,
    async (k) => {
      let image: Types.IImage;
      try {
        image = await freshImage(imageIds[k]);
      } catch (e) {
        throw new Error(
          `Slice ${k + 1} of ${nz} failed to load (${(e as Error)?.message ?? e}): check the PACS and retry`,
        );
      }
      if (image.columns !== nx || image.rows !== ny)
        throw new Error(`Slice ${k + 1} is ${image.columns}×${image.rows}, expected ${nx}×${ny}`);
      modalityValues(image, data, k * nx * ny);
      const cached = cache.getImage(imageIds[k]) as Types.IImage | undefined;
      if (cached && opts.display !== false) {
        modalityValues(cached, streamed, 0);
        const fresh = data.subarray(k * nx * ny, (k + 1) * nx * ny);
        const scale = Math.max(1, ...Array.from(fresh, Math.abs));
        if (fresh.some((v, i) => Math.abs(v - streamed[i]) > 1e-4 * scale)) replacedSlices.push(k + 1);
      }
    },
    signal,
  );
  if (replacedSlices.length) {
    console.warn(
      `[na-denoise] ${ds.SeriesDescription ?? ds.SeriesInstanceUID}: streamed slices ${replacedSlices.join(', ')} differed from the stored frames; the stored frames were used`,
    );
  }
  const volume = createVolume({
    dims: [nx, ny, nz],
    spacing: [...csVolume.spacing] as Vec3,
    origin: [...csVolume.origin] as Vec3,
    direction: [...csVolume.direction] as unknown as Mat3,
    data,
  });
  const instances = imageIds.map(
    (id) => metaData.get('instance', id) as { SOPInstanceUID?: string; SOPClassUID?: string } | undefined,
  );
  return {
    volume,
    volumeId,
    imageIds,
    sopInstanceUids: instances.map((m, k) => m?.SOPInstanceUID ?? ds.instances[k]?.SOPInstanceUID ?? ''),
    sopClassUid: instances[0]?.SOPClassUID ?? ds.SOPClassUID ?? '1.2.840.10008.5.1.4.1.1.4',
    csVolume,
    replacedSlices,
  };
}

/** Whether the Cornerstone volume a read came from is still the one cached (not evicted and re-created since). */
export function isStillCached(loaded: LoadedSeriesVolume): boolean {
  return cache.getVolume(loaded.volumeId) === loaded.csVolume;
}

/** The cache id of the derived volume shown for a display set we made (the id OHIF's volume viewports look up). */
export function derivedVolumeId(displaySetInstanceUID: string): string {
  return `cornerstoneStreamingImageVolume:${displaySetInstanceUID}`;
}

/**
 * The voxels of a derived volume as Cornerstone's cache holds them now, slice by slice (the SAFE READ); undefined when
 * the volume or one of its slices is no longer cached (evicted).
 */
export function readCachedVolume(
  displaySetInstanceUID: string,
): { dims: [number, number, number]; data: Float32Array } | undefined {
  const vol = cache.getVolume(derivedVolumeId(displaySetInstanceUID));
  if (!vol) return undefined;
  const [nx, ny, nz] = vol.dimensions;
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    const image = cache.getImage(vol.imageIds[k]) as Types.IImage | undefined;
    if (!image) return undefined;
    modalityValues(image, data, k * nx * ny);
  }
  return { dims: [nx, ny, nz], data };
}

/** What re-creates a derived volume in Cornerstone's cache: its grid and voxels, and the source it refers to. */
export interface DerivedVolumeSpec {
  displaySetInstanceUID: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  direction: number[];
  /** The voxels; the cached slices are views of this buffer (one copy, not two). */
  data: Float32Array;
  /** The source volume's Cornerstone metadata (modality, VOI, …). */
  metadata: Record<string, unknown>;
  referencedVolumeId: string;
  referencedImageIds: string[];
}

/** The spec of a derived volume on the grid of a loaded source volume. */
export function derivedVolumeSpec(
  source: LoadedSeriesVolume,
  displaySetInstanceUID: string,
  data: Float32Array,
): DerivedVolumeSpec {
  const src = source.csVolume;
  return {
    displaySetInstanceUID,
    dims: [...src.dimensions] as [number, number, number],
    spacing: [...src.spacing] as [number, number, number],
    origin: [...src.origin] as [number, number, number],
    direction: [...src.direction],
    data,
    metadata: { ...(src.metadata as unknown as Record<string, unknown>) },
    referencedVolumeId: src.volumeId,
    referencedImageIds: [...src.imageIds],
  };
}

/**
 * Caches the spec's voxels as a Float32 volume under `cornerstoneStreamingImageVolume:<displaySetUID>` (the id OHIF's
 * volume viewports look up); referencedImageIds keeps the viewport's VOI code on loadable images. Slice images left
 * in the cache by an earlier copy (an eviction removes the volume, not always its slices) are replaced.
 */
export function cacheDerivedVolume(aliases: DerivedAliases, spec: DerivedVolumeSpec): Types.IImageVolume {
  const volumeId = derivedVolumeId(spec.displaySetInstanceUID);
  for (const sliceId of derivedSliceIds(spec.displaySetInstanceUID, spec.dims[2]))
    if (cache.getImageLoadObject(sliceId)) cache.removeImageLoadObject(sliceId);
  const derived = volumeLoader.createLocalVolume(volumeId, {
    scalarData: spec.data,
    metadata: { ...spec.metadata } as unknown as Types.Metadata,
    dimensions: [...spec.dims] as Types.Point3,
    spacing: [...spec.spacing] as Types.Point3,
    origin: [...spec.origin] as Types.Point3,
    direction: [...spec.direction] as unknown as Types.Mat3,
    referencedVolumeId: spec.referencedVolumeId,
    referencedImageIds: [...spec.referencedImageIds],
  });
  aliases.add(derived.imageIds ?? [], spec.referencedImageIds);
  return derived;
}

/** The image ids Cornerstone's createLocalVolume gives a derived volume's slices. */
export function derivedSliceIds(displaySetInstanceUID: string, slices: number): string[] {
  return Array.from({ length: slices }, (_, k) => `${derivedVolumeId(displaySetInstanceUID)}_slice_${k}`);
}

/** Whether Cornerstone's cache holds the derived volume of a display set. */
export function hasCachedVolume(displaySetInstanceUID: string): boolean {
  return !!cache.getVolume(derivedVolumeId(displaySetInstanceUID));
}

/**
 * Puts a repeat run's voxels into the derived volume cached for `displaySetInstanceUID` (same grid, same series
 * identity), so the earlier result is replaced in place; false when there is no such volume.
 */
export function replaceDerivedVolumeData(displaySetInstanceUID: string, data: Float32Array): boolean {
  const vol = cache.getVolume(derivedVolumeId(displaySetInstanceUID)) as
    (Types.IImageVolume & { modified?: () => void }) | undefined;
  const vm = vol?.voxelManager as { setCompleteScalarDataArray?: (d: Float32Array) => void } | undefined;
  if (!vol || !vm?.setCompleteScalarDataArray || vol.dimensions.reduce((a, b) => a * b, 1) !== data.length)
    return false;
  vm.setCompleteScalarDataArray(data);
  vol.modified?.();
  return true;
}

/** Metadata a derived slice shares with its source slice: position, instance number, window (not pixel encoding). */
const ALIASED_TYPES: readonly string[] = Object.freeze([
  'instance',
  'generalImageModule',
  'imagePlaneModule',
  'voiLutModule',
  'generalSeriesModule',
]);

/** Derived image id → source image id, answered through one Cornerstone metadata provider (added on first use). */
export interface DerivedAliases {
  /** Maps each derived slice to the source slice at the same index. */
  add(derivedIds: readonly string[], sourceIds: readonly string[]): void;
  /** Forgets a derived volume's slices (its display set is gone). */
  remove(derivedIds: readonly string[]): void;
  /** Forgets all (leaving the mode); the provider stays registered and answers nothing. */
  clear(): void;
  readonly size: number;
}

/**
 * Answers metadata queries for derived image ids from their source slice (else the overlay shows "I: NaN"). The
 * service owns the page's one; its provider is registered with Cornerstone when the first alias is added.
 * @example const aliases = createDerivedAliases(); aliases.add(derived.imageIds, source.imageIds)
 */
export function createDerivedAliases(): DerivedAliases {
  const map = new Map<string, string>();
  let providerAdded = false;
  return {
    add(derivedIds, sourceIds) {
      derivedIds.forEach((id, k) => {
        if (sourceIds[k] && id !== sourceIds[k]) map.set(id, sourceIds[k]);
      });
      if (providerAdded) return;
      metaData.addProvider((type: string, imageId: unknown) => {
        const src = typeof imageId === 'string' ? map.get(imageId) : undefined;
        return src && ALIASED_TYPES.includes(type) ? metaData.get(type, src) : undefined;
      }, 9999);
      providerAdded = true;
    },
    remove(derivedIds) {
      for (const id of derivedIds) map.delete(id);
    },
    clear() {
      map.clear();
    },
    get size() {
      return map.size;
    },
  };
}
