// Cornerstone may evict a derived volume from its cache (cache pressure, cache.purgeCache(), another extension). OHIF
// would then look for it when the series is shown, scrolled or rendered again and find image ids no loader can load
// ("No image loader for scheme cornerstoneStreamingImageVolume"): a blank viewport and an error. The service keeps
// each derived volume's voxels for Save anyway (the buffer the cached slices view), so the keeper re-creates an
// evicted volume from them at once, while its display set exists, and gives it back to the viewports that showed it
// (their actor held the destroyed copy), keeping their camera; a removed display set is forgotten instead.
import { eventTarget, Enums, getRenderingEngines } from '@cornerstonejs/core';
import type { Types } from '@cornerstonejs/core';
import type { ServicesManager } from './ohif';
import type { NaDenoiseService } from './naDenoiseService';
import { cacheDerivedVolume, derivedSliceIds, derivedVolumeId, hasCachedVolume } from './cornerstoneVolume';

/**
 * Watches Cornerstone's cache and OHIF's display sets for the service's derived volumes; returns the unsubscribe.
 * @example service.stopKeeper = keepDerivedVolumes(service, servicesManager)
 */
export function keepDerivedVolumes(service: NaDenoiseService, servicesManager: ServicesManager): () => void {
  const { displaySetService } = servicesManager.services;
  const uidOf = (volumeId: string): string | undefined => {
    for (const uid of service.derivedVolumes.keys()) if (derivedVolumeId(uid) === volumeId) return uid;
    return undefined;
  };
  const recreate = (uid: string) => {
    const spec = service.derivedVolumes.get(uid);
    if (!spec || hasCachedVolume(uid)) return;
    if (!displaySetService.getDisplaySetByUID(uid)) {
      service.forgetDerived(uid);
      return;
    }
    try {
      cacheDerivedVolume(service.aliases, spec);
      void reattach(derivedVolumeId(uid)).catch((e) => service.recordError(`re-showing a restored series: ${e}`));
      service.evictionsRecovered++;
    } catch (e) {
      // The cache cannot take it back (full of pinned data): say so once; Save still works from the kept voxels.
      const message = `"${uid}" was evicted from Cornerstone's cache and could not be re-created: ${(e as Error).message}`;
      service.recordError(message);
      servicesManager.services.uiNotificationService.show({
        title: 'Denoise Na',
        message: 'A denoised series was evicted from memory and could not be restored: run Denoise again to show it.',
        type: 'warning',
        duration: 8000,
      });
    }
  };
  const onRemoved = (evt: Event) => {
    const volumeId = (evt as CustomEvent<{ volumeId?: string }>).detail?.volumeId;
    const uid = volumeId ? uidOf(volumeId) : undefined;
    // The event comes before the volume is decached: re-create right after the current task (cache.purgeCache's
    // own loop would purge a copy added now), before the next render reads the destroyed one.
    if (uid) queueMicrotask(() => recreate(uid));
  };
  eventTarget.addEventListener(Enums.Events.VOLUME_CACHE_VOLUME_REMOVED, onRemoved);
  const removed = displaySetService.subscribe(
    displaySetService.EVENTS.DISPLAY_SETS_REMOVED ?? 'event::displaySetService:displaySetsRemoved',
    (arg) => {
      const uids = (arg as { displaySetInstanceUIDs?: string[] })?.displaySetInstanceUIDs ?? [];
      for (const uid of uids) {
        const spec = service.derivedVolumes.get(uid);
        service.forgetDerived(uid, spec ? derivedSliceIds(uid, spec.dims[2]) : []);
      }
    },
  );
  return () => {
    eventTarget.removeEventListener(Enums.Events.VOLUME_CACHE_VOLUME_REMOVED, onRemoved);
    removed.unsubscribe();
  };
}

/** Sets the re-created volume again on every viewport that showed it, with the camera and VOI it had. */
async function reattach(volumeId: string): Promise<void> {
  for (const engine of getRenderingEngines() ?? []) {
    for (const vp of engine.getViewports()) {
      const volumeViewport = vp as Types.IVolumeViewport;
      if (!volumeViewport.getAllVolumeIds?.().includes(volumeId)) continue;
      const camera = volumeViewport.getCamera();
      let properties: Types.VolumeViewportProperties | undefined;
      try {
        properties = volumeViewport.getProperties(volumeId) ?? undefined;
      } catch {
        properties = undefined; // the destroyed copy's actor may not answer
      }
      await volumeViewport.setVolumes([{ volumeId }]);
      volumeViewport.setCamera(camera);
      if (properties?.voiRange) volumeViewport.setProperties({ voiRange: properties.voiRange }, volumeId);
      volumeViewport.render();
    }
  }
}
