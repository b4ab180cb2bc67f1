// Cornerstone may evict a derived volume from its cache (cache pressure, cache.purgeCache(), another extension). OHIF
// would then look for it when the series is shown, scrolled or rendered again and find image ids no loader can load
// ("No image loader for scheme cornerstoneStreamingImageVolume"): a blank viewport and an error. The service keeps
// each derived volume's voxels for Save anyway (the buffer the cached slices view), so the keeper re-creates an
// evicted volume from them at once, while its display set exists; a removed display set is forgotten instead.
import { eventTarget, Enums } from '@cornerstonejs/core';
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
    // After the current purge has finished (re-adding during cache.purgeCache's own loop would be purged again).
    if (uid) setTimeout(() => recreate(uid), 0);
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
