// Cornerstone3D ↔ our Volume: load a display set's volume fully, read its voxels in full precision (slice by slice,
// the integration note's SAFE READ), and cache a derived Float32 volume on the source grid for display.
import { cache, volumeLoader, eventTarget, Enums, metaData } from '@cornerstonejs/core';
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
}

export function volumeIdFor(ds: DisplaySet): string {
  return `${ds.volumeLoaderSchema ?? 'cornerstoneStreamingImageVolume'}:${ds.displaySetInstanceUID}`;
}

function imageIdsOf(ds: DisplaySet, extensionManager: ExtensionManager): string[] {
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

/**
 * Creates (or reuses OHIF's) cached volume of the display set, waits for all slices, and copies the voxels into a
 * Float32Array slice by slice: the whole-volume accessor sizes its array by slice 0's type and can wrap values.
 */
export async function loadSeriesVolume(
  ds: DisplaySet,
  extensionManager: ExtensionManager,
  signal?: AbortSignal,
): Promise<LoadedSeriesVolume> {
  const volumeId = volumeIdFor(ds);
  const csVolume =
    cache.getVolume(volumeId) ??
    (await volumeLoader.createAndCacheVolume(volumeId, { imageIds: imageIdsOf(ds, extensionManager) }));
  await whenFullyLoaded(csVolume, signal);
  signal?.throwIfAborted();

  const [nx, ny, nz] = csVolume.dimensions;
  const imageIds = csVolume.imageIds;
  if (imageIds.length !== nz) throw new Error(`The volume has ${nz} slices but ${imageIds.length} images`);
  const data = new Float32Array(nx * ny * nz);
  const missing: number[] = [];
  for (let k = 0; k < nz; k++) {
    const image = cache.getImage(imageIds[k]) as Types.IImage | undefined;
    if (!image) {
      missing.push(k + 1);
      continue;
    }
    const slice = image.voxelManager?.getScalarData() as ArrayLike<number> | undefined;
    if (!slice) throw new Error(`Slice ${k + 1} has no pixel data in the cache`);
    if (slice.length !== nx * ny) throw new Error(`Slice ${k + 1} has ${slice.length} pixels, expected ${nx}×${ny}`);
    // Pixel values must be in modality units (rescale applied). The loader pre-scales unless told not to.
    const scaled = image.preScale?.scaled ?? (csVolume as { isPreScaled?: boolean }).isPreScaled ?? false;
    const slope = scaled ? 1 : (image.slope ?? 1);
    const intercept = scaled ? 0 : (image.intercept ?? 0);
    const off = k * nx * ny;
    if (slope === 1 && intercept === 0) data.set(slice, off);
    else for (let i = 0; i < nx * ny; i++) data[off + i] = slice[i] * slope + intercept;
  }
  if (missing.length) {
    throw new Error(
      `${missing.length} of ${nz} slices failed to load (e.g. slice ${missing[0]}): check the PACS connection and retry`,
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
  };
}

/**
 * Caches `data` as a Float32 volume on the source's grid under `cornerstoneStreamingImageVolume:<displaySetUID>`
 * (the id OHIF's volume viewports look up). referencedImageIds keeps the viewport's VOI code on loadable images.
 */
export function cacheDerivedVolume(
  source: LoadedSeriesVolume,
  displaySetInstanceUID: string,
  data: Float32Array,
): Types.IImageVolume {
  const volumeId = `cornerstoneStreamingImageVolume:${displaySetInstanceUID}`;
  const src = source.csVolume;
  const derived = volumeLoader.createLocalVolume(volumeId, {
    scalarData: data,
    metadata: { ...src.metadata },
    dimensions: [...src.dimensions] as Types.Point3,
    spacing: [...src.spacing] as Types.Point3,
    origin: [...src.origin] as Types.Point3,
    direction: src.direction,
    referencedVolumeId: src.volumeId,
    referencedImageIds: [...src.imageIds],
  });
  aliasMetadata(derived.imageIds ?? [], source.imageIds);
  return derived;
}

/** Metadata a derived slice shares with its source slice: position, instance number, window (not pixel encoding). */
const ALIASED_TYPES = new Set([
  'instance',
  'generalImageModule',
  'imagePlaneModule',
  'voiLutModule',
  'generalSeriesModule',
]);
const aliases = new Map<string, string>();
let providerAdded = false;

/** Answers metadata queries for derived image ids from their source slice (else the overlay shows "I: NaN"). */
function aliasMetadata(derivedIds: readonly string[], sourceIds: readonly string[]): void {
  derivedIds.forEach((id, k) => {
    if (sourceIds[k] && id !== sourceIds[k]) aliases.set(id, sourceIds[k]);
  });
  if (providerAdded) return;
  metaData.addProvider((type: string, imageId: unknown) => {
    const src = typeof imageId === 'string' ? aliases.get(imageId) : undefined;
    return src && ALIASED_TYPES.has(type) ? metaData.get(type, src) : undefined;
  }, 9999);
  providerAdded = true;
}
