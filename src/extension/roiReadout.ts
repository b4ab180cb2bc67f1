// ROI readout in mM: when an ellipse or rectangle annotation (Cornerstone tools' EllipticalROI, RectangleROI) is
// drawn or moved on a concentration map, its mean ± SD over our mM voxels goes to the service (panel, hook) and a
// notification. The statistics are ours (core/roi), on the map's own voxels, not the display's.
import { eventTarget } from '@cornerstonejs/core';
import * as cornerstoneTools from '@cornerstonejs/tools';
import type { ServicesManager } from './ohif';
import type { NaDenoiseService, RoiReadout } from './naDenoiseService';
import { activeDisplaySet } from './viewerState';
import { planarRoiStats, type PlanarRoi } from '../core/roi';
import type { Vec3 } from '../core/volume';

const SHAPES: Record<string, PlanarRoi['shape']> = { EllipticalROI: 'ellipse', RectangleROI: 'rectangle' };

interface AnnotationLike {
  annotationUID?: string;
  metadata?: { toolName?: string; FrameOfReferenceUID?: string; referencedImageId?: string };
  data?: { handles?: { points?: number[][] } };
}

/**
 * The readout of an annotation on the concentration map shown in the active viewport, or undefined when it is not
 * an ellipse/rectangle there. Throws with the reason when its statistics cannot be computed.
 */
export function roiReadout(
  service: NaDenoiseService,
  servicesManager: ServicesManager,
  annotation: AnnotationLike,
): RoiReadout | undefined {
  const shape = SHAPES[annotation.metadata?.toolName ?? ''];
  const points = annotation.data?.handles?.points;
  if (!shape || !points || points.length !== 4) return undefined;
  const ds = activeDisplaySet(servicesManager);
  if (!ds || ds.naRole !== 'concentration') return undefined;
  const frame = annotation.metadata?.FrameOfReferenceUID;
  if (frame && ds.FrameOfReferenceUID && frame !== ds.FrameOfReferenceUID) return undefined;
  // Drawn on this map's slices (an ROI from another map or series in the same frame is not re-read here).
  const image = annotation.metadata?.referencedImageId;
  if (image && !(ds.imageIds ?? []).includes(image)) return undefined;
  const result = service.results.get(ds.displaySetInstanceUID);
  if (!result) return undefined;
  const s = planarRoiStats(result.volume, { shape, points: points.map((p) => [p[0], p[1], p[2]] as Vec3) });
  return {
    displaySetInstanceUID: ds.displaySetInstanceUID,
    annotationUID: annotation.annotationUID ?? '',
    shape,
    mean: s.mean,
    sd: s.sd,
    voxels: s.voxels,
    text: `ROI ${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)} mM (${s.voxels} voxels, ${shape})`,
  };
}

/**
 * Starts the readout: listens for completed and modified annotations. Returns the function that stops it.
 * @example service.stopRoiReadout = watchRoiReadout(service, servicesManager)
 */
export function watchRoiReadout(service: NaDenoiseService, servicesManager: ServicesManager): () => void {
  const { Events } = cornerstoneTools.Enums;
  const names = [Events.ANNOTATION_COMPLETED, Events.ANNOTATION_MODIFIED];
  const onAnnotation = (evt: Event) => {
    const annotation = (evt as CustomEvent<{ annotation?: AnnotationLike }>).detail?.annotation;
    if (!annotation) return;
    try {
      const readout = roiReadout(service, servicesManager, annotation);
      if (readout) service.lastRoi = readout;
    } catch (e) {
      // An ROI that holds no voxel centre (smaller than a voxel) has no readout; it is not a failed run.
      console.warn('[na-denoise] ROI readout:', e instanceof Error ? e.message : e);
    }
  };
  for (const n of names) eventTarget.addEventListener(n, onAnnotation);
  return () => {
    for (const n of names) eventTarget.removeEventListener(n, onAnnotation);
  };
}
